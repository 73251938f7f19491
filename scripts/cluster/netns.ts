import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `ip …` and rejects with its stderr (iproute2's message says what was wrong). */
export async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args, { timeout: 10_000 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** One network of the test lab: a bridge in the switch namespace and a /24 of addresses. */
export interface LabNetwork {
  /** Short name (≤ 5 characters): the bridge is `br-<name>`, each host's interface `<name>`. */
  name: string;
  /** First three octets, e.g. `10.213.7`. */
  prefix: string;
}

/**
 * The namespaces, bridges and veth pairs of one cluster run, and their teardown. Every host is
 * a namespace `<run>-<host>`; all bridges live in a switch namespace `<run>-sw`, so the only thing
 * this run adds to the machine's own namespace is one veth (`<run>` itself) with the address
 * `<lan>.1`, which is how the harness reaches the cluster. A host's link to a network is a veth
 * whose switch end is `<host>-<network>`: taking that end down is a cut cable (the host sees
 * NO-CARRIER and its packets vanish, nothing is refused).
 */
export class Lab {
  readonly run: string;
  readonly #namespaces: string[] = [];
  #closed = false;

  constructor(run: string) {
    if (!/^[a-z0-9]{3,12}$/.test(run)) throw new TypeError(`run name ${run} must be 3-12 lower-case letters or digits (interface names are short)`);
    this.run = run;
  }

  ns(host: string): string {
    return `${this.run}-${host}`;
  }

  get switchNs(): string {
    return this.ns('sw');
  }

  /** The switch namespace with one bridge per network, and the harness's own veth on `lan`. */
  async createSwitch(networks: LabNetwork[], lan: LabNetwork): Promise<void> {
    await this.#addNs(this.switchNs);
    for (const n of networks) {
      await ip('-n', this.switchNs, 'link', 'add', `br-${n.name}`, 'type', 'bridge');
      await ip('-n', this.switchNs, 'link', 'set', `br-${n.name}`, 'up');
    }
    await ip('link', 'add', this.run, 'type', 'veth', 'peer', 'name', 'harness', 'netns', this.switchNs);
    await ip('-n', this.switchNs, 'link', 'set', 'harness', 'master', `br-${lan.name}`, 'up');
    await ip('addr', 'add', `${lan.prefix}.1/24`, 'dev', this.run);
    await ip('link', 'set', this.run, 'up');
  }

  /** A host namespace with loopback up and one interface per network, `<network>` = `<prefix>.<last>`. */
  async addHost(host: string, last: number, networks: LabNetwork[]): Promise<void> {
    const ns = this.ns(host);
    await this.#addNs(ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    for (const n of networks) {
      const port = `${host}-${n.name}`;
      await ip('-n', this.switchNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', n.name, 'netns', ns);
      await ip('-n', this.switchNs, 'link', 'set', port, 'master', `br-${n.name}`, 'up');
      await ip('-n', ns, 'addr', 'add', `${n.prefix}.${last}/24`, 'dev', n.name);
      await ip('-n', ns, 'link', 'set', n.name, 'up');
    }
  }

  /**
   * Pins `host`'s neighbour entry for `address` (on `network`) to `server`'s interface, as a
   * router in front of a distant network would be: a cut cable then drops packets silently, where
   * on a flat LAN the failed ARP would soon refuse them (EHOSTUNREACH) and hide a missing timeout.
   */
  async pinNeighbour(host: string, network: string, server: string, address: string): Promise<void> {
    const info = JSON.parse(await ip('-j', '-n', this.ns(server), 'link', 'show', network)) as Array<{ address: string }>;
    await ip('-n', this.ns(host), 'neigh', 'replace', address, 'lladdr', info[0]!.address, 'dev', network, 'nud', 'permanent');
  }

  /** Cuts (`down`) or restores (`up`) the cable between a host and one network. */
  async link(host: string, network: string, state: 'up' | 'down'): Promise<void> {
    await ip('-n', this.switchNs, 'link', 'set', `${host}-${network}`, state);
  }

  async #addNs(ns: string): Promise<void> {
    await ip('netns', 'add', ns);
    this.#namespaces.push(ns);
  }

  /**
   * Kills whatever still runs in the run's namespaces (all of it was started by this run) and
   * deletes them; deleting the switch namespace removes every veth, the harness's one included.
   * Synchronous, so it also works from an 'exit' handler.
   */
  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ns of [...this.#namespaces].reverse()) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));
      for (const pid of pids) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
    spawnSync('ip', ['link', 'del', this.run]);
  }
}

/** Namespaces of earlier runs whose harness process is gone (a crash or SIGKILL): their names. */
export function abandonedRuns(prefix: string): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  const runs = new Set<string>();
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^(${prefix}(\\d+)x[0-9a-z]+)-`).exec(name);
    if (m === null) continue;
    const pid = Number(m[2]);
    if (!isAlive(pid)) runs.add(m[1]!);
  }
  return [...runs];
}

/** Deletes the namespaces (and kills the processes in them) of a run found by `abandonedRuns`. */
export function destroyAbandoned(run: string): void {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  const lab = new Lab(run);
  const names = out.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`${run}-`));
  for (const ns of names) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));
    for (const pid of pids) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
    spawnSync('ip', ['netns', 'del', ns]);
  }
  spawnSync('ip', ['link', 'del', lab.run]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
