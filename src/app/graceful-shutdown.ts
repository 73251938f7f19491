import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { LeanServer } from '../http/lean-server.ts';

/** Whether this node is shutting down: /readyz says so and every reply closes its connection. */
export class ShutdownState {
  shuttingDown = false;
}

export interface DrainOptions {
  /** How long the node keeps serving while it reports not ready (the load balancer's reaction time). */
  notReadyMs: number;
  /** How long calls in flight may take once the node stops accepting; then connections are cut. */
  timeoutMs: number;
}

export interface DrainOutcome {
  /** Connections still open at the deadline and cut (calls in flight that did not finish). */
  cut: number;
  ms: number;
}

/**
 * The graceful stop of a node behind a load balancer, in the order that loses no call:
 * 1. not ready at once (/readyz 503) and every reply from now on says `connection: close`, so the
 *    balancer's own keep-alive connections end cleanly after their current reply;
 * 2. keep serving for `notReadyMs`: the balancer's health check takes the node out, and requests it
 *    sends meanwhile are served (closing idle connections now would race with the balancer
 *    reusing them, and a request sent on a connection being closed is lost);
 * 3. stop accepting; close idle connections (again every 100 ms, for connections whose call ends
 *    later); wait until every connection has closed after its last reply, at most `timeoutMs`;
 * 4. cut what is left.
 */
export async function drainServers(servers: ReadonlyArray<Server | LeanServer>, state: ShutdownState, o: DrainOptions): Promise<DrainOutcome> {
  const started = performance.now();
  state.shuttingDown = true;
  for (const s of servers) if (s instanceof LeanServer) s.closingConnections = true;
  if (o.notReadyMs > 0) await sleep(o.notReadyMs);
  const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => {
    if (!s.listening) return resolve();
    s.close(() => resolve());
  })));
  let done = false;
  void closed.then(() => { done = true; });
  const deadline = performance.now() + o.timeoutMs;
  while (!done && performance.now() < deadline) {
    for (const s of servers) s.closeIdleConnections();
    await Promise.race([closed, sleep(Math.min(100, Math.max(1, deadline - performance.now())))]);
  }
  let cut = 0;
  if (!done) {
    for (const s of servers) {
      cut += await new Promise<number>((resolve) => s.getConnections((_err, n) => resolve(n ?? 0)));
      s.closeAllConnections();
    }
    await closed;
  }
  return { cut, ms: Math.round(performance.now() - started) };
}
