import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { SystemName } from '../core/api-call.ts';
import type {
  CustomerLocation, CustomerRouteRow, DirectoryChange, DirectoryChangeListener, DirectoryRecord, ImportReport, ImportRow, KeyTarget,
  LocationDirectory, LookupKeyKind,
  LocationCounts, CutoverOutcomeCount,
} from './location-directory.ts';
import { directoryUnavailable, moveConflict, movingSystemConflict } from './directory-faults.ts';
import { DEFAULT_IMPORT_BATCH, importInBatches } from './import-batches.ts';
import type { BatchInfo, Rejection, ValidRow } from './import-batches.ts';
import { accountsOfRecord, invalidRecordReason, keysOfRecord } from './directory-record.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import type { OwnedKind, OwnedRecordOwner } from '../core/owned-kinds.ts';
import { checkOwnedRows } from './owned-record.ts';
import type { OwnedRecord } from './owned-record.ts';

export interface SqliteDirectoryOptions {
  /** Database file (created if absent). */
  path: string;
  /** Rows per import transaction (default 5,000). */
  importBatch?: number;
  /**
   * Other processes may write the same file (node:cluster workers): `cacheToken()` then follows
   * SQLite's `data_version` so their writes drop this process's cache, and `onChange` listeners
   * hear about them within `pollMs` (200 ms). Costs one SQLite call (~1-3 µs) per cached lookup,
   * so it is off by default: the embedded store serves one process.
   */
  shared?: boolean;
  pollMs?: number;
  /** SQLite page cache in KiB (default 65,536 = 64 MiB). */
  cacheKiB?: number;
}

/** The schema this code writes; older files are migrated forward, newer ones refused. */
export const SQLITE_SCHEMA_VERSION = 3;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE customers (
      i_customer INTEGER PRIMARY KEY,
      system TEXT NOT NULL CHECK (system IN ('source', 'target')),
      state TEXT NOT NULL CHECK (state IN ('active', 'moving')),
      version INTEGER NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE accounts (i_account INTEGER PRIMARY KEY, i_customer INTEGER NOT NULL);
    CREATE INDEX accounts_by_customer ON accounts (i_customer);
    CREATE TABLE lookup_keys (
      kind TEXT NOT NULL, value TEXT NOT NULL, i_customer INTEGER NOT NULL, i_account INTEGER,
      PRIMARY KEY (kind, value)
    ) WITHOUT ROWID;
    CREATE INDEX customers_moving ON customers (state) WHERE state = 'moving';
  `,
  2: `
    CREATE TABLE owned_records (
      kind TEXT NOT NULL, id INTEGER NOT NULL, i_customer INTEGER NOT NULL, i_account INTEGER,
      PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
  `,
  3: `
    CREATE TABLE cutover_outcomes (
      outcome TEXT NOT NULL, system TEXT NOT NULL, n INTEGER NOT NULL,
      PRIMARY KEY (outcome, system)
    ) WITHOUT ROWID;
  `,
};

type CustomerRow = { i_customer: number; system: SystemName; state: 'active' | 'moving'; version: number; updated_at: string };

const toLocation = (r: CustomerRow): CustomerLocation => ({ iCustomer: r.i_customer, system: r.system, state: r.state, version: r.version, updatedAt: r.updated_at });

/** Rows per multi-row import statement: one SQLite statement run per 256 rows, not per row. */
const BULK_ROWS = 256;

const rowsOf = (n: number, one: string): string => Array.from({ length: n }, () => one).join(', ');

/**
 * The upserts, for `n` rows at once. A customer row never changes the system of a moving customer
 * (`WHERE`), and bumps `version` only when the system changes.
 */
const BULK_SQL = {
  customers: (n: number) => `INSERT INTO customers (i_customer, system, state, version, updated_at) VALUES ${rowsOf(n, "(?, ?, 'active', 1, ?)")}
      ON CONFLICT (i_customer) DO UPDATE SET system = excluded.system, version = version + (system <> excluded.system),
        updated_at = CASE WHEN system <> excluded.system THEN excluded.updated_at ELSE updated_at END
      WHERE state = 'active' OR system = excluded.system`,
  accounts: (n: number) => `INSERT INTO accounts (i_account, i_customer) VALUES ${rowsOf(n, '(?, ?)')}
      ON CONFLICT (i_account) DO UPDATE SET i_customer = excluded.i_customer`,
  keys: (n: number) => `INSERT INTO lookup_keys (kind, value, i_customer, i_account) VALUES ${rowsOf(n, '(?, ?, ?, ?)')}
      ON CONFLICT (kind, value) DO UPDATE SET i_customer = excluded.i_customer, i_account = excluded.i_account`,
  // An owner put again unchanged is no change (so `changes` counts only new or changed owners).
  owned: (n: number) => `INSERT INTO owned_records (kind, id, i_customer, i_account) VALUES ${rowsOf(n, '(?, ?, ?, ?)')}
      ON CONFLICT (kind, id) DO UPDATE SET i_customer = excluded.i_customer, i_account = excluded.i_account
      WHERE i_customer IS NOT excluded.i_customer OR i_account IS NOT excluded.i_account`,
};

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const run = db.transaction(() => {
    const current = (db.prepare('SELECT max(version) FROM schema_version').pluck().get() as number | null) ?? 0;
    if (current > SQLITE_SCHEMA_VERSION) throw new Error(`database schema version ${current} is newer than this program's ${SQLITE_SCHEMA_VERSION}`);
    for (let v = current + 1; v <= SQLITE_SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v]!);
      db.prepare('DELETE FROM schema_version').run();
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(v);
    }
  });
  run.immediate();
}

/**
 * The embedded directory (one node, or several processes on one machine): better-sqlite3 in WAL
 * mode, `synchronous=FULL` so an acknowledged move survives a power cut. Every change is a single
 * statement or one transaction, so a move's state check and its write cannot interleave with
 * another writer's.
 */
export class SqliteDirectory implements LocationDirectory {
  readonly #db: SqliteDatabase;
  readonly #batch: number;
  readonly #listeners = new Set<DirectoryChangeListener>();
  readonly #shared: boolean;
  readonly #pollMs: number;
  #poll: ReturnType<typeof setInterval> | undefined;
  #polledVersion = 0;
  readonly #s: {
    dataVersion: Statement; getCustomer: Statement; scanRoutes: Statement; getOwner: Statement; findKey: Statement;
    upsertCustomer: Statement; upsertCustomerReturning: Statement; upsertAccount: Statement; upsertKey: Statement;
    accountsOf: Statement; begin: Statement; commit: Statement; abort: Statement; countOutcome: Statement; listMoving: Statement;
    listMovingSystems: Statement; syncNormal: Statement; syncFull: Statement; touch: Statement;
    getOwned: Statement; upsertOwned: Statement;
  };
  readonly #bulkStatements = new Map<string, Statement>();

  private constructor(db: SqliteDatabase, options: SqliteDirectoryOptions) {
    this.#db = db;
    this.#batch = options.importBatch ?? DEFAULT_IMPORT_BATCH;
    this.#shared = options.shared ?? false;
    this.#pollMs = options.pollMs ?? 200;
    const upsert = BULK_SQL.customers(1);
    this.#s = {
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      getCustomer: db.prepare('SELECT * FROM customers WHERE i_customer = ?'),
      getOwner: db.prepare('SELECT i_customer FROM accounts WHERE i_account = ?').pluck(),
      findKey: db.prepare('SELECT i_customer, i_account FROM lookup_keys WHERE kind = ? AND value = ?'),
      upsertCustomer: db.prepare(upsert),
      upsertCustomerReturning: db.prepare(`${upsert} RETURNING *`),
      upsertAccount: db.prepare(BULK_SQL.accounts(1)),
      upsertKey: db.prepare(BULK_SQL.keys(1)),
      accountsOf: db.prepare('SELECT i_account FROM accounts WHERE i_customer = ? ORDER BY i_account').pluck(),
      begin: db.prepare(`INSERT INTO customers (i_customer, system, state, version, updated_at) VALUES (?, ?, 'moving', 1, ?)
        ON CONFLICT (i_customer) DO UPDATE SET state = 'moving', version = version + 1, updated_at = excluded.updated_at
        WHERE state = 'active' AND system = excluded.system RETURNING *`),
      countOutcome: db.prepare(`INSERT INTO cutover_outcomes (outcome, system, n) VALUES (?, ?, 1)
        ON CONFLICT (outcome, system) DO UPDATE SET n = n + 1`),
      commit: db.prepare(`UPDATE customers SET system = ?, state = 'active', version = version + 1, updated_at = ?
        WHERE i_customer = ? AND state = 'moving' RETURNING *`),
      abort: db.prepare(`UPDATE customers SET state = 'active', version = version + 1, updated_at = ?
        WHERE i_customer = ? AND state = 'moving' RETURNING *`),
      listMoving: db.prepare("SELECT * FROM customers WHERE state = 'moving' ORDER BY i_customer"),
      scanRoutes: db.prepare('SELECT i_customer, system, state FROM customers WHERE i_customer > ? ORDER BY i_customer LIMIT ?').raw(),
      listMovingSystems: db.prepare("SELECT i_customer, system FROM customers WHERE state = 'moving'").raw(),
      syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
      syncFull: db.prepare('PRAGMA synchronous = FULL'),
      touch: db.prepare('UPDATE schema_version SET version = -version'),
      getOwned: db.prepare('SELECT i_customer, i_account FROM owned_records WHERE kind = ? AND id = ?'),
      upsertOwned: db.prepare(BULK_SQL.owned(1)),
    };
    this.#polledVersion = this.#s.dataVersion.get() as number;
  }

  /** Opens (creating or migrating) the directory file; a corrupt or unreadable file is a `directory_unavailable` fault. */
  static async open(options: SqliteDirectoryOptions): Promise<SqliteDirectory> {
    let db: SqliteDatabase | undefined;
    try {
      db = new Database(options.path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      // Bulk imports of millions of rows touch B-trees far larger than SQLite's 2 MB default cache.
      db.pragma(`cache_size = -${options.cacheKiB ?? 64 * 1024}`);
      migrate(db);
      return new SqliteDirectory(db, options);
    } catch (err) {
      db?.close();
      throw directoryUnavailable(`opening SQLite file ${options.path}`, err);
    }
  }

  #guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (isApiFault(err)) throw err;
      throw directoryUnavailable(what, err);
    }
  }

  #emit(change: DirectoryChange): void {
    // A listener's failure is its own to report; it must not surface as an unhandled rejection.
    for (const l of this.#listeners) void Promise.resolve(l(change)).catch(() => undefined);
  }

  async getCustomer(iCustomer: number): Promise<CustomerLocation | undefined> {
    return this.getCustomerSync(iCustomer);
  }

  /** Synchronous lookup (better-sqlite3 is synchronous); used by benchmarks and the cache. */
  getCustomerSync(iCustomer: number): CustomerLocation | undefined {
    const row = this.#guard(`reading customer ${iCustomer}`, () => this.#s.getCustomer.get(iCustomer) as CustomerRow | undefined);
    return row === undefined ? undefined : toLocation(row);
  }

  async getAccountOwner(iAccount: number): Promise<number | undefined> {
    return this.#guard(`reading account ${iAccount}`, () => this.#s.getOwner.get(iAccount) as number | undefined);
  }

  async findKey(kind: LookupKeyKind, value: string): Promise<KeyTarget | undefined> {
    const row = this.#guard(`reading key ${kind}`, () => this.#s.findKey.get(kind, value) as { i_customer: number; i_account: number | null } | undefined);
    if (row === undefined) return undefined;
    return row.i_account === null ? { iCustomer: row.i_customer } : { iCustomer: row.i_customer, iAccount: row.i_account };
  }

  /** Writes one valid record's accounts and keys (inside the caller's transaction). */
  #writeRelations(r: DirectoryRecord): void {
    for (const a of accountsOfRecord(r)) this.#s.upsertAccount.run(a, r.iCustomer);
    if (r.login !== undefined) this.#s.upsertKey.run('customer-login', r.login, r.iCustomer, null);
    if (r.name !== undefined) this.#s.upsertKey.run('customer-name', r.name, r.iCustomer, null);
    if (r.refnum !== undefined) this.#s.upsertKey.run('customer-refnum', r.refnum, r.iCustomer, null);
    for (const k of r.accountKeys ?? []) {
      if (k.id !== undefined) this.#s.upsertKey.run('account-id', k.id, r.iCustomer, k.iAccount);
      if (k.login !== undefined) this.#s.upsertKey.run('account-login', k.login, r.iCustomer, k.iAccount);
    }
  }

  async putCustomer(record: DirectoryRecord): Promise<CustomerLocation> {
    const why = invalidRecordReason(record);
    if (why !== undefined) throw dispatcherFault('badRequest', `Invalid location for customer ${record.iCustomer}: ${why}`, { httpStatus: 400 });
    const loc = this.#guard(`writing customer ${record.iCustomer}`, () => this.#db.transaction(() => {
      const row = this.#s.upsertCustomerReturning.get(record.iCustomer, record.system, new Date().toISOString()) as CustomerRow | undefined;
      if (row === undefined) throw movingSystemConflict(record.iCustomer, toLocation(this.#s.getCustomer.get(record.iCustomer) as CustomerRow), record.system);
      this.#writeRelations(record);
      return toLocation(row);
    }).immediate());
    this.#emit({ iCustomer: record.iCustomer, location: loc, accounts: accountsOfRecord(record), keys: keysOfRecord(record) });
    return loc;
  }

  async putAccount(iAccount: number, iCustomer: number, keys: { id?: string; login?: string } = {}): Promise<void> {
    const changed: Array<{ kind: LookupKeyKind; value: string }> = [];
    this.#guard(`writing account ${iAccount}`, () => this.#db.transaction(() => {
      this.#s.upsertAccount.run(iAccount, iCustomer);
      if (keys.id !== undefined) { this.#s.upsertKey.run('account-id', keys.id, iCustomer, iAccount); changed.push({ kind: 'account-id', value: keys.id }); }
      if (keys.login !== undefined) { this.#s.upsertKey.run('account-login', keys.login, iCustomer, iAccount); changed.push({ kind: 'account-login', value: keys.login }); }
    }).immediate());
    this.#emit({ accounts: [iAccount], keys: changed });
  }

  async putKey(kind: LookupKeyKind, value: string, target: KeyTarget): Promise<void> {
    this.#guard(`writing key ${kind}`, () => this.#s.upsertKey.run(kind, value, target.iCustomer, target.iAccount ?? null));
    this.#emit({ keys: [{ kind, value }] });
  }

  async accountsOf(iCustomer: number): Promise<number[]> {
    return this.#guard(`reading accounts of customer ${iCustomer}`, () => this.#s.accountsOf.all(iCustomer) as number[]);
  }

  async putOwned(kind: OwnedKind, id: number, owner: OwnedRecordOwner): Promise<void> {
    await this.putOwnedMany([{ kind, id, owner }]);
  }

  async putOwnedMany(rows: readonly OwnedRecord[]): Promise<void> {
    checkOwnedRows(rows);
    if (rows.length === 0) return;
    const changed = this.#guard('writing owned records', () => this.#db.transaction(() => {
      const out: Array<{ kind: OwnedKind; id: number }> = [];
      for (const r of rows) {
        if (this.#s.upsertOwned.run(r.kind, r.id, r.owner.iCustomer, r.owner.iAccount ?? null).changes > 0) out.push({ kind: r.kind, id: r.id });
      }
      return out;
    }).immediate());
    if (changed.length > 0) this.#emit({ owned: changed });
  }

  async getOwner(kind: OwnedKind, id: number): Promise<OwnedRecordOwner | undefined> {
    const row = this.#guard(`reading ${kind} ${id}`, () => this.#s.getOwned.get(kind, id) as { i_customer: number; i_account: number | null } | undefined);
    if (row === undefined) return undefined;
    return row.i_account === null ? { iCustomer: row.i_customer } : { iCustomer: row.i_customer, iAccount: row.i_account };
  }

  #move(op: 'begin' | 'commit' | 'abort', iCustomer: number, run: () => CustomerRow | undefined, from?: SystemName): CustomerLocation {
    const loc = this.#guard(`${op} move of customer ${iCustomer}`, () => this.#db.transaction(() => {
      const row = run();
      if (row === undefined) {
        const cur = this.#s.getCustomer.get(iCustomer) as CustomerRow | undefined;
        throw moveConflict(op, iCustomer, cur === undefined ? undefined : toLocation(cur), from);
      }
      if (op !== 'begin') this.#s.countOutcome.run(op, row.system);
      return toLocation(row);
    }).immediate());
    this.#emit({ iCustomer, location: loc });
    return loc;
  }

  async beginMove(iCustomer: number, from: SystemName): Promise<CustomerLocation> {
    return this.#move('begin', iCustomer, () => this.#s.begin.get(iCustomer, from, new Date().toISOString()) as CustomerRow | undefined, from);
  }

  async commitMove(iCustomer: number, system: SystemName): Promise<CustomerLocation> {
    return this.#move('commit', iCustomer, () => this.#s.commit.get(system, new Date().toISOString(), iCustomer) as CustomerRow | undefined);
  }

  async abortMove(iCustomer: number): Promise<CustomerLocation> {
    return this.#move('abort', iCustomer, () => this.#s.abort.get(new Date().toISOString(), iCustomer) as CustomerRow | undefined);
  }

  async cutoverOutcomes(): Promise<CutoverOutcomeCount[]> {
    return this.#guard('counting cutovers', () => this.#db.prepare('SELECT outcome, system, n FROM cutover_outcomes ORDER BY outcome, system').all() as CutoverOutcomeCount[]);
  }

  async countLocations(): Promise<LocationCounts> {
    return this.#guard('counting customers', () => {
      const out: LocationCounts = { source: 0, target: 0, moving: 0 };
      const rows = this.#db.prepare('SELECT system, state, COUNT(*) AS n FROM customers GROUP BY system, state').all() as Array<{ system: SystemName; state: string; n: number }>;
      for (const r of rows) {
        if (r.state === 'moving') out.moving += r.n;
        else out[r.system] += r.n;
      }
      return out;
    });
  }

  async listMoving(): Promise<CustomerLocation[]> {
    return this.#guard('listing moving customers', () => (this.#s.listMoving.all() as CustomerRow[]).map(toLocation));
  }

  async scanRoutes(afterId: number, limit: number): Promise<CustomerRouteRow[]> {
    return this.#guard(`scanning customers after ${afterId}`, () => this.#s.scanRoutes.all(afterId, limit) as CustomerRouteRow[]);
  }

  /** A cached multi-row upsert of `n` rows into `table` (n is a power of two ≤ `BULK_ROWS`). */
  #bulk(table: keyof typeof BULK_SQL, n: number): Statement {
    const name = `${table}:${n}`;
    let stmt = this.#bulkStatements.get(name);
    if (stmt === undefined) {
      stmt = this.#db.prepare(BULK_SQL[table](n));
      this.#bulkStatements.set(name, stmt);
    }
    return stmt;
  }

  /**
   * Runs `values` (rows of `width` values each, in order) through multi-row upserts: `BULK_ROWS`
   * rows per statement, the remainder in power-of-two pieces, so at most log2(BULK_ROWS) + 1
   * statements per table are ever prepared. SQLite applies the rows of one statement in order,
   * so a key repeated in a batch ends with its last row's value, as with one statement per row.
   * Returns the number of rows changed.
   */
  #upsertAll(table: keyof typeof BULK_SQL, values: unknown[], width: number): number {
    let changed = 0;
    let at = 0;
    while (at < values.length) {
      let n = BULK_ROWS;
      const left = (values.length - at) / width;
      while (n > left) n >>= 1;
      const part = at === 0 && n * width === values.length ? values : values.slice(at, at + n * width);
      changed += this.#bulk(table, n).run(part).changes;
      at += n * width;
    }
    return changed;
  }

  /** One import batch, inside the caller's IMMEDIATE transaction; returns the refused rows. */
  #importBatch(batch: ValidRow[]): Rejection[] {
    const refused: Rejection[] = [];
    const now = new Date().toISOString();
    // A row may not change the system of a moving customer (the statement's WHERE says the same).
    // Moving customers are few and indexed, and we hold the write lock, so read them once.
    const moving = new Map((this.#s.listMovingSystems.all() as Array<[number, SystemName]>));
    const customers: unknown[] = [];
    const accounts: unknown[] = [];
    const keys: unknown[] = [];
    const owned: unknown[] = [];
    for (const row of batch) {
      if ('owned' in row) {
        const o = row.owned;
        owned.push(o.kind, o.id, o.owner.iCustomer, o.owner.iAccount ?? null);
        continue;
      }
      const { line, record: r } = row;
      const id = r.iCustomer;
      const system = moving.get(id);
      if (system !== undefined && system !== r.system) {
        refused.push({ line, reason: `customer ${id} is moving; its system cannot change during a move` });
        continue;
      }
      customers.push(id, r.system, now);
      if (r.accounts !== undefined) for (const a of r.accounts) accounts.push(a, id);
      if (r.login !== undefined) keys.push('customer-login', r.login, id, null);
      if (r.name !== undefined) keys.push('customer-name', r.name, id, null);
      if (r.refnum !== undefined) keys.push('customer-refnum', r.refnum, id, null);
      if (r.accountKeys !== undefined) {
        for (const k of r.accountKeys) {
          accounts.push(k.iAccount, id);
          if (k.id !== undefined) keys.push('account-id', k.id, id, k.iAccount);
          if (k.login !== undefined) keys.push('account-login', k.login, id, k.iAccount);
        }
      }
    }
    const written = this.#upsertAll('customers', customers, 3);
    // Every row sent was either inserted or updated (DO UPDATE counts one change, a refused
    // update none): anything else means the moving check above was wrong — undo the batch.
    if (written !== customers.length / 3) throw new Error(`import batch: ${customers.length / 3 - written} customer rows were refused by the store after the moving check`);
    this.#upsertAll('accounts', accounts, 2);
    this.#upsertAll('keys', keys, 4);
    this.#upsertAll('owned', owned, 4);
    return refused;
  }

  async importRecords(rows: AsyncIterable<ImportRow>): Promise<ImportReport> {
    const applyBatch = this.#db.transaction((batch: ValidRow[], last: boolean) => {
      const refused = this.#importBatch(batch);
      // The last commit must write a page, or it syncs nothing (e.g. all its rows were refused):
      // flip a value and flip it back (an UPDATE to the same value writes no page; checked with strace).
      if (last) { this.#s.touch.run(); this.#s.touch.run(); }
      return refused;
    });
    const apply = (batch: ValidRow[], { last }: BatchInfo): Rejection[] => this.#guard('importing', () => {
      if (last) return applyBatch.immediate(batch, true);
      // Durability: every batch but the last commits with synchronous=NORMAL, i.e. without an
      // fsync. In WAL mode that is still atomic and crash-safe: a commit is a run of checksummed
      // WAL frames ending in a commit frame, and recovery ignores an incomplete run, so a crash
      // or power cut can lose the latest unsynced batches whole — never part of a batch, never
      // the file (checkpoints still sync the WAL first). The last batch commits with FULL, and
      // its fsync of the WAL file covers every earlier frame, so when the report comes back every
      // accepted row is on disk — as before, just with one fsync per import instead of one per
      // batch. A crash before the report loses at most a suffix of an import the operator never
      // saw finish; re-running it is safe (rows are upserts). The setting is restored before any
      // other code runs (this is synchronous), so moves and puts keep synchronous=FULL.
      this.#s.syncNormal.run();
      try {
        return applyBatch.immediate(batch, false);
      } finally {
        this.#s.syncFull.run();
      }
    });
    try {
      return await importInBatches(rows, this.#batch, apply);
    } finally {
      this.#emit({ all: true });
    }
  }

  onChange(listener: DirectoryChangeListener): () => void {
    this.#listeners.add(listener);
    if (this.#shared && this.#poll === undefined) {
      this.#poll = setInterval(() => {
        try {
          const v = this.#s.dataVersion.get() as number;
          if (v !== this.#polledVersion) { this.#polledVersion = v; this.#emit({ all: true }); }
        } catch { /* check() reports a broken store */ }
      }, this.#pollMs);
      this.#poll.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#poll !== undefined) { clearInterval(this.#poll); this.#poll = undefined; }
    };
  }

  cacheToken(): number | undefined {
    // A closed store is an unreachable one: nothing derived from it may answer.
    if (!this.#shared) return this.#db.open ? 0 : undefined;
    try {
      return this.#s.dataVersion.get() as number;
    } catch {
      return undefined;
    }
  }

  async check(): Promise<void> {
    this.#guard('checking', () => {
      const v = this.#db.prepare('SELECT max(version) FROM schema_version').pluck().get() as number | null;
      if (v !== SQLITE_SCHEMA_VERSION) throw new Error(`schema version is ${String(v)}, expected ${SQLITE_SCHEMA_VERSION}`);
      this.#db.prepare('SELECT count(*) FROM (SELECT 1 FROM customers LIMIT 1)').pluck().get();
    });
  }

  async close(): Promise<void> {
    if (this.#poll !== undefined) clearInterval(this.#poll);
    this.#poll = undefined;
    this.#listeners.clear();
    if (this.#db.open) this.#db.close();
  }
}
