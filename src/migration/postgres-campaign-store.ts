import pg from 'pg';
import type { Pool } from 'pg';
import type { CampaignPhase, CampaignRecord, CampaignSpec, CampaignState, CustomerEntry, CustomerStep, EntryPatch } from './campaign.ts';
import { FINISHED_STEPS } from './campaign.ts';
import type { CampaignProgress, CampaignStore } from './campaign-store.ts';
import { emptyCounts } from './campaign-store.ts';
import { campaignExists, campaignNotFound, campaignStoreUnavailable } from './campaign-faults.ts';
import { isApiFault } from '../core/faults.ts';
import { postgresTimeouts } from '../directory/postgres-timeouts.ts';

export interface PostgresCampaignStoreOptions {
  connectionString: string;
  /** The directory's schema (default `webdispatcher`); the campaign tables are created in it. */
  schema?: string;
  poolSize?: number;
  /** Bound of one query or connection attempt (default 5,000 ms). */
  queryTimeoutMs?: number;
}

const tables = (s: string): string => `
  CREATE TABLE IF NOT EXISTS ${s}.campaigns (
    name text PRIMARY KEY, spec jsonb NOT NULL, state text NOT NULL, phase text NOT NULL, reason text,
    created_at bigint NOT NULL, updated_at bigint NOT NULL, lease_owner text, lease_until bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS ${s}.campaign_customers (
    campaign text NOT NULL, i_customer bigint NOT NULL, state text NOT NULL, direction text NOT NULL,
    failed_step text, reason text, snapshot text, updated_at bigint NOT NULL, finished_at bigint,
    PRIMARY KEY (campaign, i_customer)
  );
  CREATE INDEX IF NOT EXISTS campaign_customers_state ON ${s}.campaign_customers (campaign, state, i_customer);
  CREATE INDEX IF NOT EXISTS campaign_customers_finished ON ${s}.campaign_customers (campaign, finished_at) WHERE finished_at IS NOT NULL;
`;

type CampaignRow = { name: string; spec: CampaignSpec; state: CampaignState; phase: CampaignPhase; reason: string | null; created_at: string; updated_at: string; lease_owner: string | null; lease_until: string };
type EntryRow = { i_customer: string; state: CustomerStep; direction: 'forward' | 'back'; failed_step: string | null; reason: string | null; snapshot: string | null; updated_at: string; finished_at: string | null };

const toRecord = (r: CampaignRow): CampaignRecord => ({
  spec: r.spec, state: r.state, phase: r.phase, reason: r.reason, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), leaseOwner: r.lease_owner, leaseUntil: Number(r.lease_until),
});
const toEntry = (r: EntryRow): CustomerEntry => ({
  iCustomer: Number(r.i_customer), state: r.state, direction: r.direction, failedStep: r.failed_step, reason: r.reason, snapshot: r.snapshot,
  updatedAt: Number(r.updated_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

/**
 * Campaign state in the cluster's PostgreSQL, in the directory's schema (own tables, own pool), so
 * any node answers a campaign's status and another node can take over its lease.
 */
export class PostgresCampaignStore implements CampaignStore {
  readonly #pool: Pool;
  readonly #s: string;

  private constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#s = schema;
  }

  /** Connects and creates the tables if absent (under an advisory lock: nodes start together). */
  static async open(options: PostgresCampaignStoreOptions): Promise<PostgresCampaignStore> {
    const schema = options.schema ?? 'webdispatcher';
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema)) throw new TypeError(`PostgreSQL schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _ (at most 41)`);
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 4, ...postgresTimeouts(options.queryTimeoutMs) });
    pool.on('error', () => { /* an idle client died; the next query reports it */ });
    try {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`webdispatcher-campaigns:${schema}`]);
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await c.query(tables(schema));
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
      return new PostgresCampaignStore(pool, schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw campaignStoreUnavailable(`opening PostgreSQL schema ${schema}`, err);
    }
  }

  async #q<R>(what: string, text: string, values: unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    try {
      const r = await this.#pool.query(text, values);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    } catch (err) {
      if (isApiFault(err)) throw err;
      throw campaignStoreUnavailable(what, err);
    }
  }

  async create(spec: CampaignSpec, customers: number[], now: number): Promise<CampaignRecord> {
    let c;
    try {
      c = await this.#pool.connect();
    } catch (err) {
      throw campaignStoreUnavailable('creating a campaign', err);
    }
    let failed: Error | undefined;
    try {
      await c.query('BEGIN');
      const ins = await c.query(`INSERT INTO ${this.#s}.campaigns (name, spec, state, phase, created_at, updated_at) VALUES ($1, $2, 'created', 'forward', $3, $3)
        ON CONFLICT (name) DO NOTHING RETURNING *`, [spec.name, JSON.stringify(spec), now]);
      if (ins.rowCount === 0) throw campaignExists(spec.name);
      const ids = [...new Set(customers)];
      for (let i = 0; i < ids.length; i += 5000) {
        await c.query(`INSERT INTO ${this.#s}.campaign_customers (campaign, i_customer, state, direction, updated_at)
          SELECT $1, unnest($2::bigint[]), 'pending', 'forward', $3`, [spec.name, ids.slice(i, i + 5000), now]);
      }
      await c.query('COMMIT');
      return toRecord(ins.rows[0] as CampaignRow);
    } catch (err) {
      failed = isApiFault(err) ? undefined : err as Error;
      await c.query('ROLLBACK').catch(() => undefined);
      if (isApiFault(err)) throw err;
      throw campaignStoreUnavailable('creating a campaign', err);
    } finally {
      // A failed connection (a timed-out query may be pending on it) is dropped, not pooled.
      c.release(failed);
    }
  }

  async get(name: string): Promise<CampaignRecord | undefined> {
    const { rows } = await this.#q<CampaignRow>('reading a campaign', `SELECT * FROM ${this.#s}.campaigns WHERE name = $1`, [name]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async list(): Promise<CampaignRecord[]> {
    const { rows } = await this.#q<CampaignRow>('listing campaigns', `SELECT * FROM ${this.#s}.campaigns ORDER BY created_at, name`, []);
    return rows.map(toRecord);
  }

  async setState(name: string, state: CampaignState, phase: CampaignPhase, reason: string | null, now: number, onlyIf?: CampaignState[]): Promise<boolean> {
    const guard = onlyIf === undefined ? '' : ' AND state = ANY($6::text[])';
    const values: unknown[] = [state, phase, reason, now, name];
    if (onlyIf !== undefined) values.push(onlyIf);
    const r = await this.#q('changing a campaign', `UPDATE ${this.#s}.campaigns SET state = $1, phase = $2, reason = $3, updated_at = $4 WHERE name = $5${guard}`, values);
    if (r.rowCount === 0 && onlyIf === undefined) throw campaignNotFound(name);
    return r.rowCount === 1;
  }

  async entries(name: string, states: CustomerStep[], limit: number): Promise<CustomerEntry[]> {
    const { rows } = await this.#q<EntryRow>('reading campaign customers',
      `SELECT * FROM ${this.#s}.campaign_customers WHERE campaign = $1 AND state = ANY($2::text[]) ORDER BY i_customer LIMIT $3`, [name, states, limit]);
    return rows.map(toEntry);
  }

  async entry(name: string, iCustomer: number): Promise<CustomerEntry | undefined> {
    const { rows } = await this.#q<EntryRow>('reading a campaign customer', `SELECT * FROM ${this.#s}.campaign_customers WHERE campaign = $1 AND i_customer = $2`, [name, iCustomer]);
    return rows[0] === undefined ? undefined : toEntry(rows[0]);
  }

  async updateEntry(name: string, iCustomer: number, patch: EntryPatch, now: number): Promise<void> {
    const sets = ['state = $3', 'updated_at = $4', 'finished_at = $5'];
    const values: unknown[] = [name, iCustomer, patch.state, now, FINISHED_STEPS.includes(patch.state) ? now : null];
    const add = (col: string, v: unknown) => { values.push(v); sets.push(`${col} = $${values.length}`); };
    if (patch.direction !== undefined) add('direction', patch.direction);
    if (patch.failedStep !== undefined) add('failed_step', patch.failedStep);
    if (patch.reason !== undefined) add('reason', patch.reason);
    if (patch.snapshot !== undefined) add('snapshot', patch.snapshot);
    const r = await this.#q('writing a campaign customer', `UPDATE ${this.#s}.campaign_customers SET ${sets.join(', ')} WHERE campaign = $1 AND i_customer = $2`, values);
    if (r.rowCount === 0) throw campaignNotFound(`${name} (customer ${iCustomer})`);
  }

  async recentFinished(name: string, n: number): Promise<CustomerEntry[]> {
    const { rows } = await this.#q<EntryRow>('reading finished customers',
      `SELECT * FROM ${this.#s}.campaign_customers WHERE campaign = $1 AND finished_at IS NOT NULL ORDER BY finished_at DESC, i_customer DESC LIMIT $2`, [name, n]);
    return rows.map(toEntry);
  }

  async progress(name: string, finishedSince: number): Promise<CampaignProgress> {
    const counts = emptyCounts();
    const { rows } = await this.#q<{ state: CustomerStep; n: string }>('counting campaign customers',
      `SELECT state, count(*) AS n FROM ${this.#s}.campaign_customers WHERE campaign = $1 GROUP BY state`, [name]);
    for (const r of rows) counts[r.state] = Number(r.n);
    const since = await this.#q<{ n: string }>('counting campaign customers',
      `SELECT count(*) AS n FROM ${this.#s}.campaign_customers WHERE campaign = $1 AND finished_at >= $2`, [name, finishedSince]);
    return { counts, finishedSince: Number(since.rows[0]?.n ?? 0) };
  }

  async acquireLease(name: string, owner: string, now: number, ms: number): Promise<boolean> {
    const r = await this.#q('taking a campaign lease',
      `UPDATE ${this.#s}.campaigns SET lease_owner = $1, lease_until = $2 WHERE name = $3 AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until < $4)`, [owner, now + ms, name, now]);
    return r.rowCount === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.#q('releasing a campaign lease', `UPDATE ${this.#s}.campaigns SET lease_owner = NULL, lease_until = 0 WHERE name = $1 AND lease_owner = $2`, [name, owner]);
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }
}
