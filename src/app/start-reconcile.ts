import type { DispatcherConfig } from '../config/config.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { CutoverHolds } from '../execution/cutover-holds.ts';
import type { CampaignStore } from '../migration/campaign-store.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { ServiceClient } from '../backends/service-client.ts';
import { ReconcileMonitor } from '../consistency/reconcile-monitor.ts';
import { FINDING_KINDS } from '../consistency/reconcile-report.ts';

/** Campaigns still able to move a customer: their customers' entries are the campaign's to change. */
const LIVE_CAMPAIGN = new Set(['created', 'running', 'paused']);
const SETTLED_STEPS = new Set(['pending', 'committed', 'failed', 'rolled-back']);

/**
 * The directory reconcile of this node: its own service session, the parity rule of the config,
 * the guard that keeps `--fix` away from customers in a cutover or a campaign, the periodic
 * report-only run and the metrics of the last report.
 */
export function startReconcile(config: DispatcherConfig, parts: { backends: BackendClient; directory: LocationDirectory; holds: CutoverHolds; campaigns: CampaignStore | undefined; logger: Logger; metrics: Metrics }): ReconcileMonitor {
  const { metrics, holds, campaigns } = parts;
  const monitor = new ReconcileMonitor({
    service: ServiceClient.fromConfig(config, parts.backends, 'reconcile'),
    directory: parts.directory,
    pageSize: config.reconcile.pageSize,
    maxListed: config.reconcile.maxListed,
    intervalMs: config.reconcile.intervalMs,
    logger: parts.logger,
    // SPEC §4.3: even ids are the target's; odd ones the source's, unless they are discovered.
    paritySystem: (id) => (id % 2 === 0 ? 'target' : config.routing.unknownOdd === 'discover' ? undefined : 'source'),
    fixBlocked: async (id) => {
      if (holds.movingCustomers().includes(id)) return 'in a cutover on this node';
      if (campaigns === undefined) return undefined;
      for (const c of await campaigns.list()) {
        const e = await campaigns.entry(c.spec.name, id);
        if (e === undefined) continue;
        if (LIVE_CAMPAIGN.has(c.state) || !SETTLED_STEPS.has(e.state)) return `in campaign ${JSON.stringify(c.spec.name)} (${c.state}, customer ${e.state})`;
      }
      return undefined;
    },
    onReport: (report) => metrics.inc('webdispatcher_directory_reconcile_runs_total', 'Directory reconciles run, by outcome (clean, found, incomplete)', { outcome: report.outcome }),
  });
  metrics.gauge('webdispatcher_directory_reconcile_findings', 'Customers the last directory reconcile found, by kind (misplaced, absent, unlisted, onBoth)', () => {
    const r = monitor.status().report;
    return r === null ? [] : FINDING_KINDS.map((k) => [{ kind: k }, r.findings[k].count] as [Record<string, string>, number]);
  });
  metrics.gauge('webdispatcher_directory_reconcile_last_run_timestamp_seconds', 'When the last directory reconcile finished (Unix time; 0 = none yet)', () => {
    const r = monitor.status().report;
    return [[{}, r === null ? 0 : Date.parse(r.finishedAt) / 1000]];
  });
  monitor.start();
  return monitor;
}
