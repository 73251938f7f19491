import { clusterCutovers } from './cutover-counts.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasOpsToken } from './ops-token.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { CutoverHolds } from '../execution/cutover-holds.ts';
import type { Metrics } from '../core/metrics.ts';

export interface DashboardDeps {
  token: string;
  directory: LocationDirectory;
  sessions: SessionStore;
  backends: BackendClient;
  holds: CutoverHolds;
  metrics: Metrics;
  /** Every worker's metrics combined (with `workers` > 1); default: `metrics`. */
  metricsView?: () => Promise<Metrics>;
}

/**
 * `GET /v1/dashboard.json`: the first dashboard's summary (cutovers, moving customers, held calls,
 * traffic per system, passive backend health, sessions), kept for scripts that read it. The page
 * is the console (`src/ops/console/`).
 */
export function createDashboard(deps: DashboardDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/dashboard.json') return false;
    if (!hasOpsToken(req, deps.token)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ faultcode: 'Server.Dispatcher.forbidden', faultstring: 'The dashboard needs Authorization: Bearer <ops token>' }));
      return true;
    }
    const moving = await deps.directory.listMoving();
    const metrics = deps.metricsView === undefined ? deps.metrics : await deps.metricsView();
    const body = JSON.stringify({
      cutovers: await clusterCutovers(deps.directory),
      moving: moving.map((m) => ({ i_customer: m.iCustomer, system: m.system, updated_at: m.updatedAt })),
      // Each worker holds its own calls: with workers > 1 the combined gauge sums them.
      heldCalls: deps.metricsView === undefined ? deps.holds.heldCalls() : metrics.gaugeTotal('webdispatcher_held_calls'),
      traffic: metrics.sumBy('webdispatcher_system_calls_total', 'system'),
      backends: deps.backends.health(),
      sessions: await deps.sessions.count(),
    });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
    return true;
  };
}
