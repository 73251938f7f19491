import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabProcess } from './lab-process.ts';

/** The HAProxy config an operator deploys; the harness runs this very file. */
export const HAPROXY_CONFIG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));

/** The fixed ports of deploy/haproxy.cfg: every node listens on the same ones. */
export const CLUSTER_PORTS = { admin: 8001, reseller: 8002, customer: 8003, account: 8004, portasip: 8005, ops: 8006, portal: 8007, provisioning: 8008 } as const;

export type ServerState = 'UP' | 'DOWN' | 'NOLB' | 'MAINT' | string;

/** HAProxy running deploy/haproxy.cfg in a namespace, and its admin socket. */
export class LabHaproxy {
  readonly process: LabProcess;
  readonly socket: string;

  private constructor(process: LabProcess, socket: string) {
    this.process = process;
    this.socket = socket;
  }

  static async start(ns: string, env: { publicAddr: string; nodes: [string, string, string]; socket: string }): Promise<LabHaproxy> {
    const p = LabProcess.start('haproxy', ns, 'haproxy', ['-db', '-f', HAPROXY_CONFIG], {
      WD_PUBLIC_ADDR: env.publicAddr, WD_NODE1: env.nodes[0], WD_NODE2: env.nodes[1], WD_NODE3: env.nodes[2], WD_HAPROXY_SOCKET: env.socket,
    });
    const lb = new LabHaproxy(p, env.socket);
    for (let i = 0; i < 100; i++) {
      if (!p.running) throw new Error(`haproxy exited: ${p.output()}`);
      if (await lb.command('show info').then(() => true, () => false)) return lb;
      await sleep(100);
    }
    throw new Error(`haproxy's admin socket ${env.socket} did not answer: ${p.output()}`);
  }

  /** One admin-socket command and its whole answer. */
  command(cmd: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = createConnection(this.socket);
      let out = '';
      s.setTimeout(3000, () => s.destroy(new Error(`haproxy socket: no answer to ${cmd}`)));
      s.on('connect', () => s.end(`${cmd}\n`));
      s.on('data', (d: Buffer) => { out += d.toString(); });
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
  }

  /** The state HAProxy gives each node's health check (the `ops` proxy, which the others track). */
  async nodeStates(): Promise<Record<string, ServerState>> {
    const csv = await this.command('show stat');
    const lines = csv.split('\n');
    const header = (lines[0] ?? '').replace(/^# /, '').split(',');
    const col = (name: string) => header.indexOf(name);
    const out: Record<string, ServerState> = {};
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      if (f[col('pxname')] !== 'ops' || f[col('svname')] === 'FRONTEND' || f[col('svname')] === 'BACKEND' || f[col('svname')] === undefined) continue;
      out[f[col('svname')]!] = (f[col('status')] ?? '').split(' ')[0]!;
    }
    return out;
  }

  /** Waits until HAProxy reports `server` (node1…node3) in `state`; the milliseconds it took. */
  async waitForState(server: string, state: 'UP' | 'DOWN', timeoutMs = 20_000): Promise<number> {
    const started = performance.now();
    for (;;) {
      const states = await this.nodeStates().catch(() => ({} as Record<string, ServerState>));
      if (states[server] === state) return Math.round(performance.now() - started);
      if (performance.now() - started > timeoutMs) throw new Error(`haproxy: ${server} not ${state} after ${timeoutMs} ms (${JSON.stringify(states)})`);
      await sleep(50);
    }
  }
}
