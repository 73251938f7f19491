import type { DispatcherConfig } from '../config/config.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { Metrics } from '../core/metrics.ts';
import { BackendChecks } from '../monitoring/backend-checks.ts';
import { SystemTotals } from '../monitoring/system-totals.ts';
import { TrafficHistory } from '../monitoring/traffic-history.ts';
import { RecentEvents } from '../monitoring/recent-events.ts';

export interface Monitoring {
  checks: BackendChecks;
  totals: SystemTotals;
  traffic: TrafficHistory;
  events: RecentEvents;
  stop(): void;
}

/** The console's watchers (backend checks, migration totals, traffic history), started with their periods from `ops.*`. */
export function startMonitoring(d: { config: DispatcherConfig; backends: BackendClient; service?: ServiceClient; directory: LocationDirectory; metrics: Metrics; metricsView?: () => Promise<Metrics> }): Monitoring {
  const { ops } = d.config;
  const checks = new BackendChecks({ backends: d.backends, metrics: d.metrics, intervalMs: ops.checkIntervalMs, ...(d.service === undefined ? {} : { service: d.service }) });
  const totals = new SystemTotals({ directory: d.directory, metrics: d.metrics, intervalMs: ops.totalsIntervalMs, ...(d.service === undefined ? {} : { service: d.service }) });
  const traffic = new TrafficHistory(d.metrics, { stepMs: ops.trafficStepMs, ...(d.metricsView === undefined ? {} : { view: d.metricsView }) });
  const events = new RecentEvents();
  checks.start();
  totals.start();
  traffic.start();
  return { checks, totals, traffic, events, stop() { checks.stop(); totals.stop(); traffic.stop(); } };
}
