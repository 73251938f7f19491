import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { randomBytes } from 'node:crypto';
import type { SystemName } from '../core/api-call.ts';
import type {
  CustomerLocation, CustomerRouteRow, CustomerState, DirectoryChange, DirectoryChangeListener, DirectoryRecord, ImportReport, ImportRow, KeyTarget,
  LocationDirectory, LookupKeyKind,
  LocationCounts, CutoverOutcomeCount,
} from './location-directory.ts';
import { directoryUnavailable, moveConflict, movingSystemConflict } from './directory-faults.ts';
import { DEFAULT_IMPORT_BATCH, importInBatches, splitBatch } from './import-batches.ts';
import type { Rejection, ValidRow } from './import-batches.ts';
import { accountsOfRecord, invalidRecordReason, keysOfRecord } from './directory-record.ts';
import { PostgresChangeFeed, encodeChange } from './postgres-change-feed.ts';
import { dispatcherFault } from '../core/faults.ts';
import type { OwnedKind, OwnedRecordOwner } from '../core/owned-kinds.ts';
import { checkOwnedRows, lastPerRecord, ownedKey, sameOwner } from './owned-record.ts';
import { postgresTimeouts } from './postgres-timeouts.ts';
import type { OwnedRecord } from './owned-record.ts';

export interface PostgresDirectoryOptions {
  connectionString: string;
  /** PostgreSQL schema holding the directory's tables (created if absent; default `webdispatcher`). */
  schema?: string;
  /** This node's id in the cluster (default: random). */
  nodeId?: string;
  /**
   * Cache lease in ms (default 2,000): the longest this node trusts its cache without a heartbeat
   * round trip to PostgreSQL, and the longest a write waits for a node that does not acknowledge.
   */
  leaseMs?: number;
  /**
   * How long a begin waits for every live node to confirm it (default 15,000 ms; the dispatcher
   * sets its cutover hold bound plus a margin): nodes drain their calls in flight first.
   */
  moveAckMs?: number;
  /** Join the cluster's cache-coherence protocol (default true; offline tools pass false). */
  coherence?: boolean;
  /** Rows per import transaction (default 5,000). */
  importBatch?: number;
  /** Pool size (default 10). */
  poolSize?: number;
  /** Bound of one query or connection attempt (default 5,000 ms): an unreachable server is a fault, not a hang. */
  queryTimeoutMs?: number;
}

/** The schema this code writes; older schemas are migrated forward, newer ones refused. */
export const POSTGRES_SCHEMA_VERSION = 3;

const migrations = (s: string): Record<number, string> => ({
  1: `
    CREATE TABLE ${s}.customers (
      i_customer bigint PRIMARY KEY,
      system text NOT NULL CHECK (system IN ('source', 'target')),
      state text NOT NULL CHECK (state IN ('active', 'moving')),
      version integer NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX customers_moving ON ${s}.customers (i_customer) WHERE state = 'moving';
    CREATE TABLE ${s}.accounts (i_account bigint PRIMARY KEY, i_customer bigint NOT NULL);
    CREATE INDEX accounts_by_customer ON ${s}.accounts (i_customer);
    CREATE TABLE ${s}.lookup_keys (
      kind text NOT NULL, value text NOT NULL, i_customer bigint NOT NULL, i_account bigint,
      PRIMARY KEY (kind, value)
    );
    CREATE TABLE ${s}.epoch (id integer PRIMARY KEY CHECK (id = 1), epoch bigint NOT NULL);
    INSERT INTO ${s}.epoch (id, epoch) VALUES (1, 0);
    CREATE TABLE ${s}.nodes (node_id text PRIMARY KEY, heartbeat_at timestamptz NOT NULL);
  `,
  2: `
    CREATE TABLE ${s}.owned_records (
      kind text NOT NULL, id bigint NOT NULL, i_customer bigint NOT NULL, i_account bigint,
      PRIMARY KEY (kind, id)
    );
  `,
  3: `
    CREATE TABLE ${s}.cutover_outcomes (
      outcome text NOT NULL, system text NOT NULL, n bigint NOT NULL,
      PRIMARY KEY (outcome, system)
    );
  `,
});

type CustomerRow = { i_customer: string; system: SystemName; state: 'active' | 'moving'; version: number; updated_at: Date };

const toLocation = (r: CustomerRow): CustomerLocation => ({
  iCustomer: Number(r.i_customer), system: r.system, state: r.state, version: r.version, updatedAt: r.updated_at.toISOString(),
});

/**
 * The cluster directory on PostgreSQL. The product creates and migrates its schema (under an
 * advisory lock, so nodes starting together do not race). Every change is one transaction that
 * also bumps the epoch and NOTIFYs the other nodes; a write returns only after the live nodes
 * acknowledged it (see `PostgresChangeFeed`), so no node serves the old location afterwards.
 */
export class PostgresDirectory implements LocationDirectory {
  readonly #moveAckMs: number;
  readonly #pool: Pool;
  readonly #s: string;
  readonly #batch: number;
  readonly #feed: PostgresChangeFeed | undefined;
  readonly #nodeId: string;
  readonly #listeners = new Set<DirectoryChangeListener>();
  #closed = false;

  private constructor(pool: Pool, schema: string, nodeId: string, batch: number, feed: PostgresChangeFeed | undefined, moveAckMs = 15_000) {
    this.#moveAckMs = moveAckMs;
    this.#pool = pool;
    this.#s = schema;
    this.#nodeId = nodeId;
    this.#batch = batch;
    this.#feed = feed;
  }

  /** Connects, creates or migrates the schema, and joins the cluster; a failure is `directory_unavailable`. */
  static async open(options: PostgresDirectoryOptions): Promise<PostgresDirectory> {
    const schema = options.schema ?? 'webdispatcher';
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema)) throw new TypeError(`PostgreSQL schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _ (at most 41)`);
    const nodeId = options.nodeId ?? `node-${randomBytes(6).toString('hex')}`;
    const timeouts = postgresTimeouts(options.queryTimeoutMs);
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10, ...timeouts });
    pool.on('error', () => { /* an idle client died; the next query reports it */ });
    let directory: PostgresDirectory | undefined;
    try {
      await migrate(pool, schema);
      let feed: PostgresChangeFeed | undefined;
      if (options.coherence !== false) {
        feed = new PostgresChangeFeed({
          connectionString: options.connectionString, schema, nodeId, pool, leaseMs: options.leaseMs ?? 2000, timeouts,
          onRemoteChange: (change) => (directory === undefined ? undefined : directory.#emit(change)),
        });
      }
      directory = new PostgresDirectory(pool, schema, nodeId, options.importBatch ?? DEFAULT_IMPORT_BATCH, feed, options.moveAckMs);
      await feed?.start();
      return directory;
    } catch (err) {
      await directory?.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw directoryUnavailable(`opening PostgreSQL schema ${schema}`, err);
    }
  }

  get nodeId(): string {
    return this.#nodeId;
  }

  /** Rejects when a listener's work failed (a remote node then withholds its acknowledgement). */
  #emit(change: DirectoryChange): Promise<unknown> {
    return Promise.all([...this.#listeners].map((l) => l(change)));
  }

  async #query<R>(what: string, text: string, values: unknown[]): Promise<R[]> {
    if (this.#closed) throw dispatcherFault('directoryUnavailable', `Location directory is closed (${what})`, { httpStatus: 503, retryable: true });
    try {
      return (await this.#pool.query(text, values)).rows as R[];
    } catch (err) {
      throw directoryUnavailable(what, err);
    }
  }

  /**
   * Runs `fn` in a transaction that bumps the epoch and notifies the cluster, then tells local
   * listeners and waits for the other nodes' acknowledgements before returning.
   */
  async #write<T>(what: string, fn: (c: PoolClient) => Promise<{ result: T; change: DirectoryChange }>, acks: { wait: boolean; epoch?: number } = { wait: true }): Promise<T> {
    if (this.#closed) throw dispatcherFault('directoryUnavailable', `Location directory is closed (${what})`, { httpStatus: 503, retryable: true });
    let client: PoolClient;
    try { client = await this.#pool.connect(); } catch (err) { throw directoryUnavailable(what, err); }
    let outcome: { result: T; change: DirectoryChange; epoch: number };
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      const epoch = Number((await client.query(`UPDATE ${this.#s}.epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch`)).rows[0].epoch);
      const done = await fn(client);
      await client.query('SELECT pg_notify($1, $2)', [`${this.#s}_changes`, encodeChange(epoch, this.#nodeId, done.change)]);
      await client.query('COMMIT');
      outcome = { ...done, epoch };
    } catch (err) {
      failed = err as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw directoryUnavailable(what, err);
    } finally {
      // A failed connection (a timed-out query is still pending on it) is dropped, not pooled.
      client.release(failed);
    }
    this.#emit(outcome.change).catch(() => undefined);
    acks.epoch = outcome.epoch;
    if (acks.wait) await this.#feed?.awaitAcks(outcome.epoch);
    return outcome.result;
  }

  async getCustomer(iCustomer: number): Promise<CustomerLocation | undefined> {
    const rows = await this.#query<CustomerRow>(`reading customer ${iCustomer}`, `SELECT * FROM ${this.#s}.customers WHERE i_customer = $1`, [iCustomer]);
    return rows[0] === undefined ? undefined : toLocation(rows[0]);
  }

  async getAccountOwner(iAccount: number): Promise<number | undefined> {
    const rows = await this.#query<{ i_customer: string }>(`reading account ${iAccount}`, `SELECT i_customer FROM ${this.#s}.accounts WHERE i_account = $1`, [iAccount]);
    return rows[0] === undefined ? undefined : Number(rows[0].i_customer);
  }

  async findKey(kind: LookupKeyKind, value: string): Promise<KeyTarget | undefined> {
    const rows = await this.#query<{ i_customer: string; i_account: string | null }>(`reading key ${kind}`,
      `SELECT i_customer, i_account FROM ${this.#s}.lookup_keys WHERE kind = $1 AND value = $2`, [kind, value]);
    const r = rows[0];
    if (r === undefined) return undefined;
    return r.i_account === null ? { iCustomer: Number(r.i_customer) } : { iCustomer: Number(r.i_customer), iAccount: Number(r.i_account) };
  }

  /** Upserts the accounts and keys of valid records (deduplicated, last row wins) in one statement each. */
  async #writeRelations(c: PoolClient, records: DirectoryRecord[]): Promise<void> {
    const accounts = new Map<number, number>();
    const keys = new Map<string, [string, string, number, number | null]>();
    for (const r of records) {
      for (const a of accountsOfRecord(r)) accounts.set(a, r.iCustomer);
      for (const k of keysOfRecord(r)) keys.set(`${k.kind}\u0000${k.value}`, [k.kind, k.value, r.iCustomer, null]);
      for (const k of r.accountKeys ?? []) {
        if (k.id !== undefined) keys.set(`account-id\u0000${k.id}`, ['account-id', k.id, r.iCustomer, k.iAccount]);
        if (k.login !== undefined) keys.set(`account-login\u0000${k.login}`, ['account-login', k.login, r.iCustomer, k.iAccount]);
      }
    }
    if (accounts.size > 0) {
      await c.query(`INSERT INTO ${this.#s}.accounts (i_account, i_customer) SELECT * FROM unnest($1::bigint[], $2::bigint[])
        ON CONFLICT (i_account) DO UPDATE SET i_customer = excluded.i_customer`, [[...accounts.keys()], [...accounts.values()]]);
    }
    if (keys.size > 0) {
      const rows = [...keys.values()];
      await c.query(`INSERT INTO ${this.#s}.lookup_keys (kind, value, i_customer, i_account)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
        ON CONFLICT (kind, value) DO UPDATE SET i_customer = excluded.i_customer, i_account = excluded.i_account`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])]);
    }
  }

  #upsertSql(): string {
    return `INSERT INTO ${this.#s}.customers AS c (i_customer, system, state, version, updated_at)
      SELECT i, s, 'active', 1, now() FROM unnest($1::bigint[], $2::text[]) AS t(i, s)
      ON CONFLICT (i_customer) DO UPDATE SET system = excluded.system,
        version = c.version + (c.system <> excluded.system)::int,
        updated_at = CASE WHEN c.system <> excluded.system THEN excluded.updated_at ELSE c.updated_at END
      WHERE c.state = 'active' OR c.system = excluded.system
      RETURNING c.*`;
  }

  async putCustomer(record: DirectoryRecord): Promise<CustomerLocation> {
    const why = invalidRecordReason(record);
    if (why !== undefined) throw dispatcherFault('badRequest', `Invalid location for customer ${record.iCustomer}: ${why}`, { httpStatus: 400 });
    return this.#write(`writing customer ${record.iCustomer}`, async (c) => {
      const rows = (await c.query(this.#upsertSql(), [[record.iCustomer], [record.system]])).rows as CustomerRow[];
      if (rows[0] === undefined) {
        const cur = (await c.query(`SELECT * FROM ${this.#s}.customers WHERE i_customer = $1`, [record.iCustomer])).rows[0] as CustomerRow;
        throw movingSystemConflict(record.iCustomer, toLocation(cur), record.system);
      }
      await this.#writeRelations(c, [record]);
      const location = toLocation(rows[0]);
      return { result: location, change: { iCustomer: record.iCustomer, location, accounts: accountsOfRecord(record), keys: keysOfRecord(record) } };
    });
  }

  async putAccount(iAccount: number, iCustomer: number, keys: { id?: string; login?: string } = {}): Promise<void> {
    const accountKeys = keys.id === undefined && keys.login === undefined ? [] : [{ iAccount, ...keys }];
    const record: DirectoryRecord = { iCustomer, system: 'source', accounts: [iAccount], accountKeys };
    await this.#write(`writing account ${iAccount}`, async (c) => {
      await this.#writeRelations(c, [record]);
      return { result: undefined, change: { accounts: [iAccount], keys: keysOfRecord(record) } };
    });
  }

  async putKey(kind: LookupKeyKind, value: string, target: KeyTarget): Promise<void> {
    await this.#write(`writing key ${kind}`, async (c) => {
      await c.query(`INSERT INTO ${this.#s}.lookup_keys (kind, value, i_customer, i_account) VALUES ($1, $2, $3, $4)
        ON CONFLICT (kind, value) DO UPDATE SET i_customer = excluded.i_customer, i_account = excluded.i_account`,
      [kind, value, target.iCustomer, target.iAccount ?? null]);
      return { result: undefined, change: { keys: [{ kind, value }] } };
    });
  }

  async accountsOf(iCustomer: number): Promise<number[]> {
    const rows = await this.#query<{ i_account: string }>(`reading accounts of customer ${iCustomer}`,
      `SELECT i_account FROM ${this.#s}.accounts WHERE i_customer = $1 ORDER BY i_account`, [iCustomer]);
    return rows.map((r) => Number(r.i_account));
  }

  /**
   * Upserts valid owned rows (last row per record wins) in one statement; returns the records
   * whose owner was new or changed (an owner put again unchanged is not written).
   */
  async #writeOwned(c: PoolClient, rows: readonly OwnedRecord[]): Promise<Array<{ kind: OwnedKind; id: number }>> {
    const last = lastPerRecord(rows);
    if (last.length === 0) return [];
    const res = await c.query(`INSERT INTO ${this.#s}.owned_records AS o (kind, id, i_customer, i_account)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
      ON CONFLICT (kind, id) DO UPDATE SET i_customer = excluded.i_customer, i_account = excluded.i_account
      WHERE o.i_customer IS DISTINCT FROM excluded.i_customer OR o.i_account IS DISTINCT FROM excluded.i_account
      RETURNING o.kind, o.id`,
    [last.map((r) => r.kind), last.map((r) => r.id), last.map((r) => r.owner.iCustomer), last.map((r) => r.owner.iAccount ?? null)]);
    return (res.rows as Array<{ kind: OwnedKind; id: string }>).map((r) => ({ kind: r.kind, id: Number(r.id) }));
  }

  async putOwned(kind: OwnedKind, id: number, owner: OwnedRecordOwner): Promise<void> {
    await this.putOwnedMany([{ kind, id, owner }]);
  }

  async putOwnedMany(rows: readonly OwnedRecord[]): Promise<void> {
    checkOwnedRows(rows);
    if (rows.length === 0) return;
    // Learning from replies puts mostly owners already known: those need no write, no epoch and
    // no wait for the cluster. A concurrent change between this read and the write is ordered
    // after ours either way (the write below is an upsert of the rows still differing).
    const last = lastPerRecord(rows);
    const known = await this.#query<{ kind: string; id: string; i_customer: string; i_account: string | null }>('reading owned records',
      `SELECT o.kind, o.id, o.i_customer, o.i_account FROM ${this.#s}.owned_records o
       JOIN unnest($1::text[], $2::bigint[]) AS t(kind, id) ON o.kind = t.kind AND o.id = t.id`,
    [last.map((r) => r.kind), last.map((r) => r.id)]);
    const stored = new Map(known.map((k) => [ownedKey(k.kind as OwnedKind, Number(k.id)), { iCustomer: Number(k.i_customer), ...(k.i_account === null ? {} : { iAccount: Number(k.i_account) }) }]));
    const differing = last.filter((r) => !sameOwner(stored.get(ownedKey(r.kind, r.id)), r.owner));
    if (differing.length === 0) return;
    await this.#write('writing owned records', async (c) => {
      const owned = await this.#writeOwned(c, differing);
      return { result: undefined, change: { owned } };
    });
  }

  async getOwner(kind: OwnedKind, id: number): Promise<OwnedRecordOwner | undefined> {
    const rows = await this.#query<{ i_customer: string; i_account: string | null }>(`reading ${kind} ${id}`,
      `SELECT i_customer, i_account FROM ${this.#s}.owned_records WHERE kind = $1 AND id = $2`, [kind, id]);
    const r = rows[0];
    if (r === undefined) return undefined;
    return r.i_account === null ? { iCustomer: Number(r.i_customer) } : { iCustomer: Number(r.i_customer), iAccount: Number(r.i_account) };
  }

  async #move(op: 'begin' | 'commit' | 'abort', iCustomer: number, sql: string, values: unknown[], from?: SystemName): Promise<CustomerLocation> {
    return this.#write(`${op} move of customer ${iCustomer}`, async (c) => {
      const row = (await c.query(sql, values)).rows[0] as CustomerRow | undefined;
      if (row === undefined) {
        const cur = (await c.query(`SELECT * FROM ${this.#s}.customers WHERE i_customer = $1`, [iCustomer])).rows[0] as CustomerRow | undefined;
        throw moveConflict(op, iCustomer, cur === undefined ? undefined : toLocation(cur), from);
      }
      if (op !== 'begin') {
        await c.query(`INSERT INTO ${this.#s}.cutover_outcomes (outcome, system, n) VALUES ($1, $2, 1)
          ON CONFLICT (outcome, system) DO UPDATE SET n = ${this.#s}.cutover_outcomes.n + 1`, [op, row.system]);
      }
      const location = toLocation(row);
      return { result: location, change: { iCustomer, location } };
    });
  }

  /**
   * Every live node must confirm a begin (each drains its calls in flight for the customer first),
   * within `moveAckMs`; otherwise the move is undone and the begin fails, so no call still in flight
   * on a slow node can land on the old system after the copy.
   */
  async beginMove(iCustomer: number, from: SystemName): Promise<CustomerLocation> {
    const acks: { wait: boolean; epoch?: number } = { wait: false };
    const location = await this.#moveNoWait(acks, iCustomer, from);
    const missing = this.#feed === undefined || acks.epoch === undefined ? [] : await this.#feed.awaitAcks(acks.epoch, this.#moveAckMs);
    if (missing.length > 0) {
      await this.abortMove(iCustomer).catch(() => undefined);
      throw dispatcherFault('conflict', `Cannot begin moving customer ${iCustomer}: cluster node(s) ${missing.join(', ')} did not confirm within ${this.#moveAckMs} ms that their calls in flight finished; the move was undone, try again`, { httpStatus: 409, retryable: true });
    }
    return location;
  }

  async #moveNoWait(acks: { wait: boolean; epoch?: number }, iCustomer: number, from: SystemName): Promise<CustomerLocation> {
    return this.#write(`begin move of customer ${iCustomer}`, async (c) => {
      const row = (await c.query(`INSERT INTO ${this.#s}.customers AS c (i_customer, system, state, version, updated_at)
      VALUES ($1, $2, 'moving', 1, now())
      ON CONFLICT (i_customer) DO UPDATE SET state = 'moving', version = c.version + 1, updated_at = now()
      WHERE c.state = 'active' AND c.system = excluded.system RETURNING c.*`, [iCustomer, from])).rows[0] as CustomerRow | undefined;
      if (row === undefined) {
        const cur = (await c.query(`SELECT * FROM ${this.#s}.customers WHERE i_customer = $1`, [iCustomer])).rows[0] as CustomerRow | undefined;
        throw moveConflict('begin', iCustomer, cur === undefined ? undefined : toLocation(cur), from);
      }
      const location = toLocation(row);
      return { result: location, change: { iCustomer, location } };
    }, acks);
  }

  async commitMove(iCustomer: number, system: SystemName): Promise<CustomerLocation> {
    return this.#move('commit', iCustomer, `UPDATE ${this.#s}.customers SET system = $2, state = 'active', version = version + 1, updated_at = now()
      WHERE i_customer = $1 AND state = 'moving' RETURNING *`, [iCustomer, system]);
  }

  async abortMove(iCustomer: number): Promise<CustomerLocation> {
    return this.#move('abort', iCustomer, `UPDATE ${this.#s}.customers SET state = 'active', version = version + 1, updated_at = now()
      WHERE i_customer = $1 AND state = 'moving' RETURNING *`, [iCustomer]);
  }

  async cutoverOutcomes(): Promise<CutoverOutcomeCount[]> {
    const rows = await this.#query<{ outcome: CutoverOutcomeCount['outcome']; system: SystemName; n: string }>('counting cutovers',
      `SELECT outcome, system, n FROM ${this.#s}.cutover_outcomes ORDER BY outcome, system`, []);
    return rows.map((r) => ({ outcome: r.outcome, system: r.system, n: Number(r.n) }));
  }

  async countLocations(): Promise<LocationCounts> {
    const rows = await this.#query<{ system: SystemName; state: string; n: string }>('counting customers',
      `SELECT system, state, COUNT(*) AS n FROM ${this.#s}.customers GROUP BY system, state`, []);
    const out: LocationCounts = { source: 0, target: 0, moving: 0 };
    for (const r of rows) {
      if (r.state === 'moving') out.moving += Number(r.n);
      else out[r.system] += Number(r.n);
    }
    return out;
  }

  async listMoving(): Promise<CustomerLocation[]> {
    const rows = await this.#query<CustomerRow>('listing moving customers', `SELECT * FROM ${this.#s}.customers WHERE state = 'moving' ORDER BY i_customer`, []);
    return rows.map(toLocation);
  }

  async scanRoutes(afterId: number, limit: number): Promise<CustomerRouteRow[]> {
    const rows = await this.#query<{ i_customer: string; system: SystemName; state: CustomerState }>(`scanning customers after ${afterId}`,
      `SELECT i_customer, system, state FROM ${this.#s}.customers WHERE i_customer > $1 ORDER BY i_customer LIMIT $2`, [afterId, limit]);
    return rows.map((r) => [Number(r.i_customer), r.system, r.state]);
  }

  async importRecords(rows: AsyncIterable<ImportRow>): Promise<ImportReport> {
    // Batches do not wait for the cluster one by one; the import returns once it saw the last one.
    const acks: { wait: boolean; epoch?: number } = { wait: false };
    const report = await importInBatches(rows, this.#batch, async (batch: ValidRow[]) => {
      let refused: Rejection[] = [];
      await this.#write('importing', async (c) => {
        const { records, owned } = splitBatch(batch);
        const ids = [...new Set(records.map((r) => r.record.iCustomer))];
        const current = new Map<number, CustomerRow>();
        for (const r of (await c.query(`SELECT * FROM ${this.#s}.customers WHERE i_customer = ANY($1::bigint[]) FOR UPDATE`, [ids])).rows as CustomerRow[]) {
          current.set(Number(r.i_customer), r);
        }
        refused = [];
        const good: DirectoryRecord[] = [];
        for (const { line, record } of records) {
          const cur = current.get(record.iCustomer);
          if (cur?.state === 'moving' && cur.system !== record.system) refused.push({ line, reason: `customer ${record.iCustomer} is moving; its system cannot change during a move` });
          else good.push(record);
        }
        const last = new Map<number, SystemName>();
        for (const r of good) last.set(r.iCustomer, r.system);
        if (last.size > 0) await c.query(this.#upsertSql(), [[...last.keys()], [...last.values()]]);
        await this.#writeRelations(c, good);
        await this.#writeOwned(c, owned);
        return { result: undefined, change: { all: true } };
      }, acks);
      return refused;
    });
    if (acks.epoch !== undefined) await this.#feed?.awaitAcks(acks.epoch);
    return report;
  }

  onChange(listener: DirectoryChangeListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  cacheToken(): number | undefined {
    if (this.#closed) return undefined;
    return this.#feed === undefined ? undefined : this.#feed.cacheToken();
  }

  async check(): Promise<void> {
    const rows = await this.#query<{ version: number }>('checking', `SELECT max(version) AS version FROM ${this.#s}.schema_version`, []);
    if (rows[0]?.version !== POSTGRES_SCHEMA_VERSION) throw dispatcherFault('directoryUnavailable', `Location directory schema ${this.#s} is at version ${String(rows[0]?.version)}, expected ${POSTGRES_SCHEMA_VERSION}`, { httpStatus: 503 });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await this.#feed?.close();
    await this.#pool.end().catch(() => undefined);
  }
}

async function migrate(pool: Pool, schema: string): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    // Nodes starting together: one migrates, the others wait here and then find it done.
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`webdispatcher-directory:${schema}`]);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version integer NOT NULL)`);
    const current = Number((await c.query(`SELECT coalesce(max(version), 0) AS v FROM ${schema}.schema_version`)).rows[0].v);
    if (current > POSTGRES_SCHEMA_VERSION) throw new Error(`schema ${schema} is at version ${current}, newer than this program's ${POSTGRES_SCHEMA_VERSION}`);
    const steps = migrations(schema);
    for (let v = current + 1; v <= POSTGRES_SCHEMA_VERSION; v++) {
      await c.query(steps[v]!);
      await c.query(`DELETE FROM ${schema}.schema_version`);
      await c.query(`INSERT INTO ${schema}.schema_version (version) VALUES ($1)`, [v]);
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
