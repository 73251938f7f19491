import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionStore } from '../sessions/session-store.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { Metrics } from '../core/metrics.ts';
import { hasOpsToken } from '../ops/ops-token.ts';

import type { OpsRoute } from '../ops/ops-route.ts';
import type { EnvCheck, EnvReport } from '../backends/env-check.ts';
import { SYSTEMS } from '../core/api-call.ts';
import type { ShutdownState } from './graceful-shutdown.ts';

export type { OpsRoute };

export interface OpsHandlerDeps {
  sessions: SessionStore;
  directory: LocationDirectory;
  backends: BackendClient;
  metrics: Metrics;
  /** Every worker's metrics combined (with `workers` > 1); default: `metrics`. */
  metricsView?: () => Promise<Metrics>;
  /** Operator APIs (locations, migrations, dashboard), tried in order; each says if it handled the request. */
  routes: OpsRoute[];
  /** A node shutting down is not ready, whatever its stores say (the load balancer drains it). */
  shutdown?: ShutdownState;
  /** When set, `/metrics` needs `Authorization: Bearer <this token>` (config `ops.publicMetrics: false`). */
  metricsToken?: string;
  /** The environment mapping: a wrong one makes the node not ready (asked again at most once per envCheck.refreshMs). */
  envCheck?: EnvCheck;
}

function send(res: ServerResponse, status: number, value: unknown, type = 'application/json; charset=utf-8'): void {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The ops listener: `/healthz` (the process serves), `/readyz` (its stores answer: a corrupt or
 * unreachable directory makes the node not ready, and so does a graceful shutdown), `/metrics` (behind the ops token when
 * `metricsToken` is set), and the operator APIs.
 */
export function createOpsHandler(deps: OpsHandlerDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/healthz') return send(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        if (deps.shutdown?.shuttingDown === true) return send(res, 503, { status: 'shutting down', checks: {}, backends: deps.backends.health() });
        const checks: Record<string, string> = {};
        let environments: EnvReport | undefined;
        await Promise.all([
          deps.envCheck?.refresh().then((r) => {
            environments = r;
            checks.environments = r.ok ? 'ok' : SYSTEMS.filter((s) => r.systems[s].status === 'mismatch' || r.systems[s].status === 'duplicate').map((s) => r.systems[s].message).join('; ');
          }, (e: Error) => { checks.environments = e.message; }),
          deps.directory.check().then(() => { checks.directory = 'ok'; }, (e: Error) => { checks.directory = e.message; }),
          deps.sessions.check().then(() => { checks.sessions = 'ok'; }, (e: Error) => { checks.sessions = e.message; }),
        ]);
        const ready = Object.values(checks).every((v) => v === 'ok');
        return send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks, backends: deps.backends.health(), ...(environments === undefined ? {} : { environments: environments.systems }) });
      }
      if (path === '/metrics') {
        if (deps.metricsToken !== undefined && !hasOpsToken(req, deps.metricsToken)) {
          return send(res, 401, { faultcode: 'Server.Dispatcher.forbidden', faultstring: '/metrics needs Authorization: Bearer <ops token> (ops.publicMetrics is false)' });
        }
        const metrics = deps.metricsView === undefined ? deps.metrics : await deps.metricsView();
        return send(res, 200, metrics.render(), 'text/plain; version=0.0.4');
      }
      for (const route of deps.routes) if (await route(req, res)) return;
      send(res, 404, { faultcode: 'Server.Dispatcher.not_found', faultstring: `No ops endpoint at ${path}` });
    } catch (err) {
      if (!res.headersSent) send(res, 500, { faultcode: 'Server.Dispatcher.internal_error', faultstring: (err as Error).message });
      else res.destroy();
    }
  };
}
