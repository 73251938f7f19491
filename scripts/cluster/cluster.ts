import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, abandonedRuns, destroyAbandoned, type LabNetwork } from './netns.ts';
import { LabProcess } from './lab-process.ts';
import { postgresBin, startPostgres, startRedis } from './lab-services.ts';
import { CLUSTER_PORTS, LabHaproxy } from './lab-haproxy.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER, DEMO_RESELLER } from '../../src/sim/demo-fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/webdispatcher.js', import.meta.url));
const RUN_PREFIX = 'wd';
const LOCKS = join(tmpdir(), 'webdispatcher-cluster-locks');

export type ClusterListener = keyof typeof CLUSTER_PORTS;
export const CLUSTER_OPS_TOKEN = 'cluster-ops-token';

export interface ClusterOptions {
  /** Seeded customers on the source (the target gets a tenth). Default 200. */
  customers?: number;
  /** Dispatcher log level. Default warn. */
  logLevel?: string;
  /** `cutover.holdTimeoutMs` of every node. Default 4,000. */
  holdTimeoutMs?: number;
  /** `shutdown.notReadyMs` / `shutdown.timeoutMs` of every node (defaults 1,500 / 10,000). */
  notReadyMs?: number;
  shutdownTimeoutMs?: number;
  /** `campaigns.leaseMs`. Default 3,000. */
  campaignLeaseMs?: number;
}

export interface ClusterNode {
  /** node1…node3: HAProxy's server names too. */
  name: string;
  /** Namespace host name (n1…n3). */
  host: string;
  address: string;
  urls: Record<string, string>;
  process: LabProcess | undefined;
}

/** What is missing to run a cluster here (root, iproute2, HAProxy, Redis, PostgreSQL), or undefined. */
export function clusterPrerequisites(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const missing: string[] = [];
  for (const [tool, pkg] of [['ip', 'iproute2'], ['haproxy', 'haproxy'], ['redis-server', 'redis-server'], ['runuser', 'util-linux']] as const) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(`${tool} (${pkg})`);
  }
  if (postgresBin() === undefined) missing.push('PostgreSQL server (postgresql)');
  if (missing.length > 0) return `missing: ${missing.join(', ')}`;
  const probe = `wdprobe${process.pid}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return `cannot create a network namespace: ${made.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

/** Claims a 10.213.N.0/24 no other run and no interface of this machine uses (a lock directory per N). */
function claimLan(): { prefix: string; release: () => void } {
  mkdirSync(LOCKS, { recursive: true });
  const used = spawnSync('ip', ['-o', 'addr'], { encoding: 'utf8' }).stdout + spawnSync('ip', ['route'], { encoding: 'utf8' }).stdout;
  const start = randomBytes(1)[0]!;
  for (let k = 0; k < 256; k++) {
    const n = (start + k) % 250 + 1;
    const prefix = `10.213.${n}`;
    if (used.includes(`${prefix}.`)) continue;
    const lock = join(LOCKS, prefix);
    try {
      mkdirSync(lock);
    } catch {
      // Held: by a live run, or left by a dead one (then taken over).
      let owner = 0;
      try { owner = Number(readFileSync(join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
      if (owner === 0 || alive(owner)) continue;
      rmSync(lock, { recursive: true, force: true });
      try { mkdirSync(lock); } catch { continue; }
    }
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return { prefix, release: () => rmSync(lock, { recursive: true, force: true }) };
  }
  throw new Error('no free 10.213.N.0/24 for the cluster network');
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * A WebDispatcher cluster in network namespaces: three nodes (`webdispatcher start`), HAProxy
 * on the public address (deploy/haproxy.cfg), a source and a target simulator, and a Redis and a
 * PostgreSQL of its own. Three networks: `lan` (the harness, HAProxy, nodes, simulators), `db`
 * (nodes and PostgreSQL) and `cache` (nodes and Redis), so a node can be cut off from one store.
 */
export class Cluster {
  readonly lab: Lab;
  readonly dir: string;
  readonly lan: LabNetwork;
  readonly publicAddress: string;
  readonly publicUrls: Record<ClusterListener, string>;
  readonly nodes: ClusterNode[];
  readonly options: Required<ClusterOptions>;
  readonly secret = randomBytes(24).toString('base64url');
  source: { env: number; urls: Record<string, string> } = { env: 3, urls: {} };
  target: { env: 8, urls: Record<string, string> } = { env: 8, urls: {} };
  lb: LabHaproxy | undefined;
  redisUrl = '';
  databaseUrl = '';
  readonly #processes: LabProcess[] = [];
  readonly #release: () => void;
  #closed = false;
  readonly #onExit = () => this.#destroySync();
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.#destroySync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  private constructor(options: ClusterOptions) {
    this.options = {
      customers: options.customers ?? 200, logLevel: options.logLevel ?? 'warn', holdTimeoutMs: options.holdTimeoutMs ?? 4000,
      notReadyMs: options.notReadyMs ?? 1500, shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000, campaignLeaseMs: options.campaignLeaseMs ?? 3000,
    };
    for (const run of abandonedRuns(RUN_PREFIX)) destroyAbandoned(run);
    const claimed = claimLan();
    this.#release = claimed.release;
    this.lan = { name: 'lan', prefix: claimed.prefix };
    this.lab = new Lab(`${RUN_PREFIX}${process.pid}x${randomBytes(2).toString('hex').slice(0, 2)}`);
    this.dir = mkdtempSync(join(tmpdir(), 'webdispatcher-cluster-'));
    chmodSync(this.dir, 0o755);
    this.publicAddress = `${this.lan.prefix}.10`;
    this.publicUrls = Object.fromEntries(Object.entries(CLUSTER_PORTS).map(([k, port]) => [k, `http://${this.publicAddress}:${port}`])) as Record<ClusterListener, string>;
    this.nodes = [1, 2, 3].map((i) => ({ name: `node${i}`, host: `n${i}`, address: `${this.lan.prefix}.${10 + i}`, urls: {}, process: undefined }));
    process.on('exit', this.#onExit);
    process.once('SIGINT', this.#onSignal);
    process.once('SIGTERM', this.#onSignal);
  }

  /** Builds the networks, starts every process and waits until HAProxy sees all three nodes up. */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const c = new Cluster(options);
    try {
      await c.#build();
      return c;
    } catch (err) {
      await c.close();
      throw err;
    }
  }

  async #build(): Promise<void> {
    const db: LabNetwork = { name: 'db', prefix: '172.30.1' };
    const cache: LabNetwork = { name: 'cache', prefix: '172.30.2' };
    await this.lab.createSwitch([this.lan, db, cache], this.lan);
    await this.lab.addHost('pg', 2, [db]);
    await this.lab.addHost('redis', 2, [cache]);
    await this.lab.addHost('lb', 10, [this.lan]);
    await this.lab.addHost('src', 21, [this.lan]);
    await this.lab.addHost('tgt', 22, [this.lan]);
    for (const [i, n] of this.nodes.entries()) {
      await this.lab.addHost(n.host, 11 + i, [this.lan, db, cache]);
      await this.lab.pinNeighbour(n.host, 'db', 'pg', `${db.prefix}.2`);
      await this.lab.pinNeighbour(n.host, 'cache', 'redis', `${cache.prefix}.2`);
    }

    const [pg, redis, src, tgt] = await Promise.all([
      startPostgres(this.lab.ns('pg'), `${db.prefix}.2`, this.dir),
      startRedis(this.lab.ns('redis'), `${cache.prefix}.2`, this.dir),
      this.#startSim('source', 3, this.options.customers, `${this.lan.prefix}.21`, 'src'),
      this.#startSim('target', 8, Math.max(1, Math.round(this.options.customers / 10)), `${this.lan.prefix}.22`, 'tgt'),
    ]);
    this.#processes.push(pg.process, redis.process);
    this.databaseUrl = pg.url;
    this.redisUrl = redis.url;
    this.source = { env: 3, urls: src };
    this.target = { env: 8, urls: tgt };
    // One node first: it creates the directory schema; the others find it (they would also wait
    // on the migration lock, but three tsx start-ups at once on two cores are slower than this).
    await this.startNode(0);
    await Promise.all([this.startNode(1), this.startNode(2)]);
    this.lb = await LabHaproxy.start(this.lab.ns('lb'), {
      publicAddr: this.publicAddress, nodes: this.nodes.map((n) => n.address) as [string, string, string], socket: join(this.dir, 'haproxy.sock'),
    });
    this.#processes.push(this.lb.process);
    await Promise.all(this.nodes.map((n) => this.lb!.waitForState(n.name, 'UP')));
  }

  async #startSim(role: 'source' | 'target', env: number, customers: number, address: string, host: string): Promise<Record<string, string>> {
    const p = LabProcess.start(`${role} simulator`, this.lab.ns(host), process.execPath,
      [BIN, 'sim', '--role', role, '--env', String(env), '--customers', String(customers), '--seed', '1', '--port-base', '7001', '--host', address]);
    this.#processes.push(p);
    const line = await p.waitForLine((l) => l.startsWith('{'), 30_000);
    return (JSON.parse(line) as { urls: Record<string, string> }).urls;
  }

  /** The YAML every node runs (identical but for the listening address). */
  nodeConfig(node: ClusterNode): string {
    const urls = (u: Record<string, string>) => JSON.stringify(u);
    const o = this.options;
    return [
      'systems:',
      `  source: { env: 3, urls: ${urls(this.source.urls)} }`,
      `  target: { env: 8, urls: ${urls(this.target.urls)} }`,
      `listen: { host: ${node.address}, ${Object.entries(CLUSTER_PORTS).map(([k, v]) => `${k}: ${v}`).join(', ')} }`,
      `sessions: { store: redis, redisUrl: "${this.redisUrl}", secret: "${this.secret}" }`,
      `directory: { store: postgres, databaseUrl: "${this.databaseUrl}", schema: webdispatcher }`,
      `cutover: { holdTimeoutMs: ${o.holdTimeoutMs} }`,
      `shutdown: { notReadyMs: ${o.notReadyMs}, timeoutMs: ${o.shutdownTimeoutMs} }`,
      `ops: { token: ${CLUSTER_OPS_TOKEN}, serviceLogin: { login: ${DEMO_ADMIN.login}, token: ${DEMO_ADMIN.token} } }`,
      `campaigns: { defaultCopy: sim, leaseMs: ${o.campaignLeaseMs} }`,
      `security: { trustedProxies: [${this.publicAddress}] }`,
      `log: { level: ${o.logLevel} }`,
      '',
    ].join('\n');
  }

  /** Starts node i (again) and waits for its ready line. */
  async startNode(i: number): Promise<ClusterNode> {
    const node = this.nodes[i]!;
    if (node.process?.running === true) throw new Error(`${node.name} is running`);
    const config = join(this.dir, `${node.name}.yaml`);
    writeFileSync(config, this.nodeConfig(node));
    const p = LabProcess.start(node.name, this.lab.ns(node.host), process.execPath, [BIN, 'start', '--config', config], { WEBDISPATCHER_FROM_SOURCE: '1' });
    this.#processes.push(p);
    node.process = p;
    const line = await p.waitForLine((l) => l.startsWith('{"ready"'), 60_000);
    node.urls = (JSON.parse(line) as { dispatcher: Record<string, string> }).dispatcher;
    return node;
  }

  /** Stops node i with `signal` (SIGTERM: a graceful shutdown); its exit code or signal. */
  async stopNode(i: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const p = this.nodes[i]!.process;
    if (p === undefined) return { code: null, signal: null };
    return p.stop(signal, this.options.notReadyMs + this.options.shutdownTimeoutMs + 5000);
  }

  /** Cuts (or restores) node i's cable to the `db` (PostgreSQL) or `cache` (Redis) network. */
  async link(i: number, network: 'db' | 'cache' | 'lan', state: 'up' | 'down'): Promise<void> {
    await this.lab.link(this.nodes[i]!.host, network, state);
  }

  /** The one line `npm run cluster` prints, like the demo's. */
  readyLine(): string {
    return JSON.stringify({
      ready: true,
      dispatcher: this.publicUrls,
      source: this.source,
      target: this.target,
      ops: { url: this.publicUrls.ops, token: CLUSTER_OPS_TOKEN },
      credentials: {
        admin: { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password, token: DEMO_ADMIN.token },
        reseller: { login: DEMO_RESELLER.login, password: DEMO_RESELLER.password },
        customer: { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, i_customer: DEMO_CUSTOMER.iCustomer, lives_on: 'source' },
        account: { id: DEMO_ACCOUNT.id, login: DEMO_ACCOUNT.login, password: DEMO_ACCOUNT.password, i_account: DEMO_ACCOUNT.iAccount },
      },
      nodes: this.nodes.map((n) => ({ name: n.name, pid: n.process?.pid, address: n.address, ops: n.urls.ops })),
      haproxy: { address: this.publicAddress, pid: this.lb?.process.pid, socket: this.lb?.socket },
      redis: this.redisUrl,
      postgres: this.databaseUrl,
      namespaces: this.lab.run,
    });
  }

  /** Stops every process, deletes the namespaces and the temporary folder. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all(this.#processes.map((p) => p.stop('SIGKILL', 2000)));
    this.#destroySync();
  }

  #destroySync(): void {
    if (this.#closed) return;
    this.#closed = true;
    process.removeListener('exit', this.#onExit);
    process.removeListener('SIGINT', this.#onSignal);
    process.removeListener('SIGTERM', this.#onSignal);
    for (const p of this.#processes) if (p.running) p.child.kill('SIGKILL');
    this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
    this.#release();
  }
}
