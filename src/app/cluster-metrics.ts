import type { Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { Metrics, type MetricsSnapshot } from '../core/metrics.ts';

/** Every worker's metrics combined, as `/metrics`, the dashboard and the console read them. */
export type MetricsView = () => Promise<Metrics>;

type Message =
  | { type: 'wd:metrics:request'; id: string }
  | { type: 'wd:metrics:collect'; id: string }
  | { type: 'wd:metrics:snapshot'; id: string; snapshot: MetricsSnapshot }
  | { type: 'wd:metrics:combined'; id: string; snapshots: MetricsSnapshot[] };

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('wd:metrics:');
}

/** A worker that does not answer within this is left out of one reading, not waited for. */
const COLLECT_TIMEOUT_MS = 1500;

/**
 * The primary's half: a worker asks for the node's metrics, the primary asks every live worker
 * for its snapshot and sends them all back to the one that asked.
 */
export function serveClusterMetrics(workers: () => Worker[]): (from: Worker, message: unknown) => void {
  const pending = new Map<string, { want: number; got: MetricsSnapshot[]; done: () => void }>();
  return (from, message) => {
    if (!isMessage(message)) return;
    if (message.type === 'wd:metrics:snapshot') {
      const p = pending.get(message.id);
      if (p === undefined) return;
      p.got.push(message.snapshot);
      if (p.got.length >= p.want) p.done();
      return;
    }
    if (message.type !== 'wd:metrics:request') return;
    const live = workers().filter((w) => w.isConnected());
    const id = message.id;
    const entry = { want: live.length, got: [] as MetricsSnapshot[], done: () => undefined as void };
    const timer = setTimeout(() => entry.done(), COLLECT_TIMEOUT_MS);
    entry.done = () => {
      clearTimeout(timer);
      pending.delete(id);
      if (from.isConnected()) from.send({ type: 'wd:metrics:combined', id, snapshots: entry.got } satisfies Message);
    };
    pending.set(id, entry);
    for (const w of live) w.send({ type: 'wd:metrics:collect', id } satisfies Message);
  };
}

/**
 * The worker's half: answers the primary's collect with its own snapshot, and gives the view that
 * asks the primary for every worker's. Without an answer in time the view is this worker's own
 * numbers (better a partial reading than a scrape that fails).
 */
export function workerMetricsView(local: Metrics, proc: NodeJS.Process = process): MetricsView {
  const waiting = new Map<string, (snapshots: MetricsSnapshot[]) => void>();
  proc.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.type === 'wd:metrics:collect') proc.send?.({ type: 'wd:metrics:snapshot', id: m.id, snapshot: local.snapshot() } satisfies Message);
    else if (m.type === 'wd:metrics:combined') waiting.get(m.id)?.(m.snapshots);
  });
  return () => new Promise<Metrics>((resolve) => {
    const id = randomBytes(8).toString('hex');
    const timer = setTimeout(() => { waiting.delete(id); resolve(local); }, COLLECT_TIMEOUT_MS + 1000);
    waiting.set(id, (snapshots) => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve(snapshots.length === 0 ? local : Metrics.combine(snapshots));
    });
    proc.send?.({ type: 'wd:metrics:request', id } satisfies Message);
  });
}
