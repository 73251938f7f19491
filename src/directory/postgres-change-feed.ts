import pg from 'pg';
import type { Notification, Pool } from 'pg';
import type { DirectoryChange } from './location-directory.ts';
import type { OwnedKind } from '../core/owned-kinds.ts';
import type { PostgresTimeouts } from './postgres-timeouts.ts';

export interface ChangeFeedOptions {
  connectionString: string;
  /** Schema whose tables (`epoch`, `nodes`) and channels (`<schema>_changes`, `<schema>_acks`) are used. */
  schema: string;
  /** This node's id (letters, digits, `-`, `_`). */
  nodeId: string;
  /** Pool used for the liveness query of `awaitAcks`. */
  pool: Pool;
  /** See `PostgresDirectoryOptions.leaseMs`. */
  leaseMs: number;
  /** Bounds of the listening connection's queries (a silent partition must end the lease, then reconnect). */
  timeouts?: PostgresTimeouts;
  /** Called for every change made by another node, before this node acknowledges it. */
  onRemoteChange: (change: DirectoryChange) => void | Promise<unknown>;
}

/** What travels in a NOTIFY (short keys: the payload limit is 8,000 bytes). */
export interface ChangeMessage {
  /** Epoch of the transaction that made the change. */
  e: number;
  /** Origin node id. */
  o: string;
  c?: number;
  a?: number[];
  k?: Array<[string, string]>;
  /** Owned records whose owner changed: [kind, id]. */
  w?: Array<[string, number]>;
  all?: true;
}

const MAX_PAYLOAD = 7800;

/** Encodes a change for NOTIFY; too large a change becomes "drop everything". */
export function encodeChange(epoch: number, origin: string, change: DirectoryChange): string {
  const msg: ChangeMessage = { e: epoch, o: origin };
  if (change.all === true) msg.all = true;
  else {
    if (change.iCustomer !== undefined) msg.c = change.iCustomer;
    if (change.accounts !== undefined && change.accounts.length > 0) msg.a = change.accounts;
    if (change.keys !== undefined && change.keys.length > 0) msg.k = change.keys.map((k) => [k.kind, k.value]);
    if (change.owned !== undefined && change.owned.length > 0) msg.w = change.owned.map((o) => [o.kind, o.id]);
  }
  const text = JSON.stringify(msg);
  return Buffer.byteLength(text) <= MAX_PAYLOAD ? text : JSON.stringify({ e: epoch, o: origin, all: true });
}

function decodeChange(msg: ChangeMessage): DirectoryChange {
  if (msg.all === true) return { all: true };
  const change: DirectoryChange = {};
  if (msg.c !== undefined) change.iCustomer = msg.c;
  if (msg.a !== undefined) change.accounts = msg.a;
  if (msg.k !== undefined) change.keys = msg.k.map(([kind, value]) => ({ kind: kind as 'customer-login', value }));
  if (msg.w !== undefined) change.owned = msg.w.map(([kind, id]) => ({ kind: kind as OwnedKind, id }));
  return change;
}

/**
 * One node's membership in the directory's cache-coherence protocol (argued in
 * docs/directory-consistency.md):
 *
 * - every write bumps the single-row `epoch` (serialising writers) and NOTIFYs `{epoch, change}`
 *   in the same transaction, so notifications arrive in epoch order, only for committed changes;
 * - each node LISTENs, invalidates its cache, tells its listeners, then acknowledges the epoch;
 * - each node heartbeats every lease/4 over its listening connection, reading the epoch under
 *   `FOR SHARE` (so a heartbeat is ordered before or after any write); a heartbeat started at
 *   local time h grants a lease until h + lease, and if it saw an epoch this node has not processed
 *   the whole cache is dropped first;
 * - a node uses cached entries only while its lease runs (`cacheToken()` is undefined otherwise);
 * - a writer waits, after its commit, until every node with a recent heartbeat acknowledged the
 *   epoch, or for lease + margin: by then a node that did not answer has stopped trusting its cache.
 */
export class PostgresChangeFeed {
  readonly #o: ChangeFeedOptions;
  readonly #changes: string;
  readonly #acks: string;
  #client: pg.Client | undefined;
  #leaseUntil = 0;
  #generation = 0;
  #processed = 0;
  #ackScheduled = false;
  /** Listener work (e.g. draining calls in flight) that must finish before the next acknowledgement. */
  #settling: Promise<unknown> = Promise.resolve();
  /** The newest epoch whose listener work failed: not acknowledged, so its writer sees the refusal. */
  #refused = 0;
  readonly #acked = new Map<string, number>();
  readonly #waiters = new Set<() => void>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #reconnect: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #beating = false;
  /** Queries on the listening connection run one at a time (pg deprecates overlapping them). */
  #serial: Promise<unknown> = Promise.resolve();

  constructor(options: ChangeFeedOptions) {
    if (!/^[A-Za-z0-9_-]{1,60}$/.test(options.nodeId)) throw new TypeError(`node id ${JSON.stringify(options.nodeId)} must be 1-60 letters, digits, - or _`);
    this.#o = options;
    this.#changes = `${options.schema}_changes`;
    this.#acks = `${options.schema}_acks`;
  }

  get nodeId(): string {
    return this.#o.nodeId;
  }

  /** Connects, LISTENs and takes the first lease; rejects if PostgreSQL is unreachable. */
  async start(): Promise<void> {
    await this.#connect();
    this.#timer = setInterval(() => { void this.#heartbeat(); }, Math.max(10, Math.floor(this.#o.leaseMs / 4)));
    this.#timer.unref();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#o.connectionString, application_name: `webdispatcher-${this.#o.nodeId}`, ...this.#o.timeouts });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (n) => this.#onNotification(n));
    try {
      await client.connect();
    } catch (err) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      throw err;
    }
    // LISTEN before the first heartbeat: anything committed after the heartbeat's read is then heard.
    await client.query(`LISTEN "${this.#changes}"; LISTEN "${this.#acks}"`);
    this.#client = client;
    await this.#heartbeat();
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#leaseUntil = 0;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    if (this.#closed || this.#reconnect !== undefined) return;
    const retry = () => {
      this.#reconnect = undefined;
      if (this.#closed) return;
      this.#connect().catch(() => { if (!this.#closed) { this.#reconnect = setTimeout(retry, Math.max(50, this.#o.leaseMs / 4)); this.#reconnect.unref(); } });
    };
    this.#reconnect = setTimeout(retry, 50);
    this.#reconnect.unref();
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#serial.then(fn, fn);
    this.#serial = p.catch(() => undefined);
    return p;
  }

  async #heartbeat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      await this.#run(() => this.#beat());
    } finally {
      this.#beating = false;
    }
  }

  async #beat(): Promise<void> {
    const client = this.#client;
    if (client === undefined || this.#closed) return;
    const sentAt = performance.now();
    const s = this.#o.schema;
    try {
      const results = await client.query(`BEGIN; SELECT epoch FROM ${s}.epoch WHERE id = 1 FOR SHARE;
        INSERT INTO ${s}.nodes (node_id, heartbeat_at) VALUES ('${this.#o.nodeId}', now())
        ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now(); COMMIT`) as unknown as pg.QueryResult[];
      const epoch = Number((results[1]?.rows[0] as { epoch: string } | undefined)?.epoch ?? 0);
      if (this.#client !== client) return;
      if (epoch > this.#processed) {
        // Changes committed before this read were not (yet) heard: trust nothing cached before now.
        this.#generation++;
        this.#processed = epoch;
        this.#o.onRemoteChange({ all: true });
        this.#scheduleAck();
      }
      this.#leaseUntil = Math.max(this.#leaseUntil, sentAt + this.#o.leaseMs);
    } catch {
      // The lease runs out. The connection is replaced: a timed-out query may still be pending on
      // it (a silent partition), and nothing sent after it would be answered; LISTEN is redone on
      // the new one and its first heartbeat drops the cache if changes were missed meanwhile.
      this.#lost(client);
    }
  }

  #onNotification(n: Notification): void {
    if (n.channel === this.#acks) {
      const [node, epoch] = (n.payload ?? '').split(':');
      if (node === undefined || epoch === undefined) return;
      this.#acked.set(node, Math.max(this.#acked.get(node) ?? 0, Number(epoch)));
      for (const w of this.#waiters) w();
      return;
    }
    if (n.channel !== this.#changes || n.payload === undefined) return;
    let msg: ChangeMessage;
    try { msg = JSON.parse(n.payload) as ChangeMessage; } catch { return; }
    if (msg.o !== this.#o.nodeId) {
      const work = this.#o.onRemoteChange(decodeChange(msg));
      if (work !== undefined) {
        const epoch = msg.e;
        const settled = Promise.resolve(work).catch(() => { this.#refused = Math.max(this.#refused, epoch); });
        this.#settling = Promise.allSettled([this.#settling, settled]);
      }
    }
    if (msg.e > this.#processed) this.#processed = msg.e;
    if (msg.o !== this.#o.nodeId) this.#scheduleAck();
  }

  #scheduleAck(): void {
    if (this.#ackScheduled) return;
    this.#ackScheduled = true;
    queueMicrotask(() => {
      this.#ackScheduled = false;
      let epoch = this.#processed;
      void this.#settling.then(() => {
        // A refused epoch is not acknowledged (its writer times out and undoes the change); later
        // epochs are, once this node has processed them.
        if (this.#refused === epoch) epoch -= 1;
        const client = this.#client;
        if (client === undefined) return;
        return this.#run(() => client.query('SELECT pg_notify($1, $2)', [this.#acks, `${this.#o.nodeId}:${epoch}`]));
      }).catch(() => undefined);
    });
  }

  /** Hot path: the cache generation while the lease runs, else undefined (do not use the cache). */
  cacheToken(): number | undefined {
    return performance.now() < this.#leaseUntil ? this.#generation : undefined;
  }

  /**
   * Resolves once every live node has acknowledged `epoch`, or after `waitMs` (default lease +
   * margin: then a silent node has stopped trusting its cache), with the nodes that did not
   * acknowledge. Never rejects.
   */
  async awaitAcks(epoch: number, waitMs?: number): Promise<string[]> {
    const margin = Math.max(20, this.#o.leaseMs / 4);
    const deadline = performance.now() + (waitMs ?? this.#o.leaseMs + margin);
    let live: string[];
    try {
      const r = await this.#o.pool.query(
        `SELECT node_id FROM ${this.#o.schema}.nodes WHERE node_id <> $1 AND heartbeat_at > now() - make_interval(secs => $2)`,
        [this.#o.nodeId, (this.#o.leaseMs + margin) / 1000],
      );
      live = r.rows.map((row: { node_id: string }) => row.node_id);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
      return ['(unknown: the node list could not be read)'];
    }
    const pending = () => live.filter((n) => (this.#acked.get(n) ?? 0) < epoch);
    if (pending().length === 0) return [];
    await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(timer); this.#waiters.delete(check); resolve(); };
      const check = () => { if (pending().length === 0) done(); };
      const timer = setTimeout(done, Math.max(0, deadline - performance.now()));
      this.#waiters.add(check);
    });
    return pending();
  }

  /** Leaves the cluster: stops heartbeats, deregisters (writers stop waiting for this node). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#leaseUntil = 0;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#reconnect !== undefined) clearTimeout(this.#reconnect);
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    client.removeAllListeners('notification');
    try {
      await this.#serial;
      await client.query(`DELETE FROM ${this.#o.schema}.nodes WHERE node_id = $1`, [this.#o.nodeId]);
    } catch { /* stale row ages out of the liveness window */ }
    await client.end().catch(() => undefined);
  }
}
