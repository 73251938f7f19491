import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { CampaignPhase, CampaignRecord, CampaignSpec, CampaignState, CustomerEntry, CustomerStep, EntryPatch } from './campaign.ts';
import { FINISHED_STEPS } from './campaign.ts';
import type { CampaignProgress, CampaignStore } from './campaign-store.ts';
import { emptyCounts } from './campaign-store.ts';
import { campaignExists, campaignNotFound, campaignStoreUnavailable } from './campaign-faults.ts';
import { isApiFault } from '../core/faults.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS campaigns (
    name TEXT PRIMARY KEY, spec TEXT NOT NULL, state TEXT NOT NULL, phase TEXT NOT NULL, reason TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, lease_owner TEXT, lease_until INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS campaign_customers (
    campaign TEXT NOT NULL, i_customer INTEGER NOT NULL, state TEXT NOT NULL, direction TEXT NOT NULL,
    failed_step TEXT, reason TEXT, snapshot TEXT, updated_at INTEGER NOT NULL, finished_at INTEGER,
    PRIMARY KEY (campaign, i_customer)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS campaign_customers_state ON campaign_customers (campaign, state, i_customer);
  CREATE INDEX IF NOT EXISTS campaign_customers_finished ON campaign_customers (campaign, finished_at) WHERE finished_at IS NOT NULL;
`;

type CampaignRow = { name: string; spec: string; state: CampaignState; phase: CampaignPhase; reason: string | null; created_at: number; updated_at: number; lease_owner: string | null; lease_until: number };
type EntryRow = { i_customer: number; state: CustomerStep; direction: 'forward' | 'back'; failed_step: string | null; reason: string | null; snapshot: string | null; updated_at: number; finished_at: number | null };

const toRecord = (r: CampaignRow): CampaignRecord => ({
  spec: JSON.parse(r.spec) as CampaignSpec, state: r.state, phase: r.phase, reason: r.reason, createdAt: r.created_at, updatedAt: r.updated_at, leaseOwner: r.lease_owner, leaseUntil: r.lease_until,
});
const toEntry = (r: EntryRow): CustomerEntry => ({
  iCustomer: r.i_customer, state: r.state, direction: r.direction, failedStep: r.failed_step, reason: r.reason, snapshot: r.snapshot, updatedAt: r.updated_at, finishedAt: r.finished_at,
});

/**
 * Campaign state in the directory's SQLite file (its own tables, its own connection, WAL), so a
 * restarted dispatcher finds its campaigns where they stopped. Each change is one statement or one
 * transaction; `synchronous=FULL` as the directory.
 */
export class SqliteCampaignStore implements CampaignStore {
  readonly #db: SqliteDatabase;
  readonly #path: string;

  private constructor(db: SqliteDatabase, path: string) {
    this.#db = db;
    this.#path = path;
  }

  /** Opens the file (creating the tables if absent); failures are `directory_unavailable`. */
  static async open(path: string): Promise<SqliteCampaignStore> {
    let db: SqliteDatabase | undefined;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      return new SqliteCampaignStore(db, path);
    } catch (err) {
      db?.close();
      throw campaignStoreUnavailable(`opening SQLite file ${path}`, err);
    }
  }

  #run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (isApiFault(err)) throw err;
      throw campaignStoreUnavailable(`${what} in ${this.#path}`, err);
    }
  }

  async create(spec: CampaignSpec, customers: number[], now: number): Promise<CampaignRecord> {
    return this.#run('creating a campaign', () => this.#db.transaction(() => {
      const taken = this.#db.prepare('SELECT 1 FROM campaigns WHERE name = ?').get(spec.name);
      if (taken !== undefined) throw campaignExists(spec.name);
      this.#db.prepare("INSERT INTO campaigns (name, spec, state, phase, reason, created_at, updated_at) VALUES (?, ?, 'created', 'forward', NULL, ?, ?)").run(spec.name, JSON.stringify(spec), now, now);
      const add = this.#db.prepare("INSERT OR IGNORE INTO campaign_customers (campaign, i_customer, state, direction, updated_at) VALUES (?, ?, 'pending', 'forward', ?)");
      for (const id of customers) add.run(spec.name, id, now);
      return toRecord(this.#db.prepare('SELECT * FROM campaigns WHERE name = ?').get(spec.name) as CampaignRow);
    }).immediate());
  }

  async get(name: string): Promise<CampaignRecord | undefined> {
    const row = this.#run('reading a campaign', () => this.#db.prepare('SELECT * FROM campaigns WHERE name = ?').get(name) as CampaignRow | undefined);
    return row === undefined ? undefined : toRecord(row);
  }

  async list(): Promise<CampaignRecord[]> {
    return this.#run('listing campaigns', () => (this.#db.prepare('SELECT * FROM campaigns ORDER BY created_at, name').all() as CampaignRow[]).map(toRecord));
  }

  async setState(name: string, state: CampaignState, phase: CampaignPhase, reason: string | null, now: number, onlyIf?: CampaignState[]): Promise<boolean> {
    return this.#run('changing a campaign', () => {
      const guard = onlyIf === undefined ? '' : ` AND state IN (${onlyIf.map(() => '?').join(', ')})`;
      const r = this.#db.prepare(`UPDATE campaigns SET state = ?, phase = ?, reason = ?, updated_at = ? WHERE name = ?${guard}`).run(state, phase, reason, now, name, ...(onlyIf ?? []));
      if (r.changes === 0 && onlyIf === undefined) throw campaignNotFound(name);
      return r.changes === 1;
    });
  }

  async entries(name: string, states: CustomerStep[], limit: number): Promise<CustomerEntry[]> {
    if (states.length === 0) return [];
    return this.#run('reading campaign customers', () => (this.#db.prepare(
      `SELECT * FROM campaign_customers WHERE campaign = ? AND state IN (${states.map(() => '?').join(', ')}) ORDER BY i_customer LIMIT ?`,
    ).all(name, ...states, limit) as EntryRow[]).map(toEntry));
  }

  async entry(name: string, iCustomer: number): Promise<CustomerEntry | undefined> {
    const row = this.#run('reading a campaign customer', () => this.#db.prepare('SELECT * FROM campaign_customers WHERE campaign = ? AND i_customer = ?').get(name, iCustomer) as EntryRow | undefined);
    return row === undefined ? undefined : toEntry(row);
  }

  async updateEntry(name: string, iCustomer: number, patch: EntryPatch, now: number): Promise<void> {
    this.#run('writing a campaign customer', () => {
      const sets = ['state = ?', 'updated_at = ?', 'finished_at = ?'];
      const values: unknown[] = [patch.state, now, FINISHED_STEPS.includes(patch.state) ? now : null];
      if (patch.direction !== undefined) { sets.push('direction = ?'); values.push(patch.direction); }
      if (patch.failedStep !== undefined) { sets.push('failed_step = ?'); values.push(patch.failedStep); }
      if (patch.reason !== undefined) { sets.push('reason = ?'); values.push(patch.reason); }
      if (patch.snapshot !== undefined) { sets.push('snapshot = ?'); values.push(patch.snapshot); }
      const r = this.#db.prepare(`UPDATE campaign_customers SET ${sets.join(', ')} WHERE campaign = ? AND i_customer = ?`).run(...values, name, iCustomer);
      if (r.changes === 0) throw campaignNotFound(`${name} (customer ${iCustomer})`);
    });
  }

  async recentFinished(name: string, n: number): Promise<CustomerEntry[]> {
    return this.#run('reading finished customers', () => (this.#db.prepare(
      'SELECT * FROM campaign_customers WHERE campaign = ? AND finished_at IS NOT NULL ORDER BY finished_at DESC, i_customer DESC LIMIT ?',
    ).all(name, n) as EntryRow[]).map(toEntry));
  }

  async progress(name: string, finishedSince: number): Promise<CampaignProgress> {
    return this.#run('counting campaign customers', () => {
      const counts = emptyCounts();
      for (const r of this.#db.prepare('SELECT state, count(*) AS n FROM campaign_customers WHERE campaign = ? GROUP BY state').all(name) as Array<{ state: CustomerStep; n: number }>) counts[r.state] = r.n;
      const since = this.#db.prepare('SELECT count(*) FROM campaign_customers WHERE campaign = ? AND finished_at >= ?').pluck().get(name, finishedSince) as number;
      return { counts, finishedSince: since };
    });
  }

  async acquireLease(name: string, owner: string, now: number, ms: number): Promise<boolean> {
    return this.#run('taking a campaign lease', () => this.#db.prepare(
      'UPDATE campaigns SET lease_owner = ?, lease_until = ? WHERE name = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)',
    ).run(owner, now + ms, name, owner, now).changes === 1);
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.#run('releasing a campaign lease', () => this.#db.prepare('UPDATE campaigns SET lease_owner = NULL, lease_until = 0 WHERE name = ? AND lease_owner = ?').run(name, owner));
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
