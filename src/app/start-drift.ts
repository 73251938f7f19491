import type { DispatcherConfig } from '../config/config.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { ServiceClient } from '../backends/service-client.ts';
import { BUILT_IN_CONFIG_ENTITY_TYPES } from '../core/config-entity-types.ts';
import { DriftMonitor } from '../consistency/drift-monitor.ts';
import { compareWsdls } from '../consistency/api-versions.ts';

/**
 * The drift monitor of this node: its own service session (`ops.serviceLogin`), the types of the
 * config, the periodic run and the metrics of the last result of each type.
 */
export function startDrift(config: DispatcherConfig, parts: { backends: BackendClient; logger: Logger; metrics: Metrics }): DriftMonitor {
  const { metrics } = parts;
  const monitor = new DriftMonitor({
    service: ServiceClient.fromConfig(config, parts.backends, 'drift'),
    types: [...BUILT_IN_CONFIG_ENTITY_TYPES, ...config.drift.extraEntities],
    defaultEntities: config.drift.entities,
    compare: { excludeFields: config.drift.excludeFields, pageSize: config.drift.pageSize, maxListed: config.drift.maxListed },
    intervalMs: config.drift.intervalMs,
    ...(config.drift.wsdls.length === 0 ? {} : { compareApi: () => compareWsdls(parts.backends, config.drift.wsdls, `drift-wsdl-${Date.now().toString(36)}`) }),
    logger: parts.logger,
    onReport: (report) => metrics.inc('webdispatcher_config_drift_runs_total', 'Drift comparisons run, by outcome (clean, drift, incomplete)', { outcome: report.outcome }),
  });
  metrics.gauge('webdispatcher_config_drift', 'Configuration entities that differ between the systems, per type and difference, at the last comparison of the type', () =>
    monitor.lastByType().flatMap((e) => [
      [{ entity: e.entity, difference: 'missing_on_target' }, e.counts.missingOnTarget],
      [{ entity: e.entity, difference: 'missing_on_source' }, e.counts.missingOnSource],
      [{ entity: e.entity, difference: 'differing' }, e.counts.differing],
    ] as Array<[Record<string, string>, number]>));
  metrics.gauge('webdispatcher_config_drift_compared', 'The last comparison of the type read both systems (1) or could not (0)', () =>
    monitor.lastByType().map((e) => [{ entity: e.entity }, e.compared ? 1 : 0]));
  metrics.gauge('webdispatcher_config_drift_last_run_timestamp_seconds', 'When the last drift comparison finished (Unix time; 0 = none yet)', () => {
    const r = monitor.status().report;
    return [[{}, r === null ? 0 : Date.parse(r.finishedAt) / 1000]];
  });
  monitor.start();
  return monitor;
}
