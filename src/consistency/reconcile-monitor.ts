import type { ServiceClient } from '../backends/service-client.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import { dispatcherFault } from '../core/faults.ts';
import { reconcile, type ReconcileOptions } from './reconcile-compare.ts';
import { FINDING_KINDS, type ReconcileReport, type ReconcileTrigger } from './reconcile-report.ts';
import { PeriodicRun } from '../core/periodic-run.ts';

export interface ReconcileMonitorOptions extends ReconcileOptions {
  /** The service login; without one every run is refused, saying so. */
  service: ServiceClient | undefined;
  directory: LocationDirectory;
  /** A report-only run every this many ms; 0 = on demand only. */
  intervalMs: number;
  onReport?: (report: ReconcileReport) => void;
}

/** What `GET /v1/directory/reconcile` answers. */
export interface ReconcileStatus {
  report: ReconcileReport | null;
  running: boolean;
  intervalMs: number;
  nextRunAt: string | null;
}

/**
 * Runs directory reconciles one at a time — on demand (report or fix) and, report-only, every
 * `intervalMs` — and keeps the last report.
 */
export class ReconcileMonitor {
  readonly #o: ReconcileMonitorOptions;
  #last: ReconcileReport | null = null;
  #running: Promise<ReconcileReport> | undefined;
  readonly #periodic: PeriodicRun;

  constructor(options: ReconcileMonitorOptions) {
    this.#o = options;
    // A run already going (asked for through the API) stands for the periodic one.
    this.#periodic = new PeriodicRun({
      intervalMs: options.intervalMs,
      run: () => this.#running ?? this.run(false, 'periodic'),
      onError: (err) => { this.#o.logger.warn('periodic directory reconcile failed', { error: err.message }); },
    });
  }

  /** Reconciles now; a run asked for during another waits for it, so its report is never older than the request. */
  async run(fix: boolean, trigger: ReconcileTrigger = 'api'): Promise<ReconcileReport> {
    const service = this.#o.service;
    if (service === undefined) throw dispatcherFault('backendUnavailable', 'Directory reconcile needs ops.serviceLogin in the config (both systems\' customer lists are read with it)', { httpStatus: 503 });
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
    const run = reconcile(service, this.#o.directory, fix, trigger, this.#o).then((report) => {
      this.#last = report;
      const fields = {
        trigger, fix, outcome: report.outcome, ms: report.durationMs, source: report.counts.source, target: report.counts.target, directory: report.counts.directory,
        ...Object.fromEntries(FINDING_KINDS.map((k) => [k, report.findings[k].count])), fixed: report.fixed.count, notFixed: report.notFixed.count, error: report.error,
      };
      if (report.outcome === 'clean') this.#o.logger.info('directory reconcile: clean', fields);
      else this.#o.logger.warn(report.outcome === 'found' ? 'directory reconcile: the directory and the systems disagree' : 'directory reconcile: could not compare', fields);
      this.#o.onReport?.(report);
      return report;
    });
    this.#running = run;
    try {
      return await run;
    } finally {
      if (this.#running === run) this.#running = undefined;
    }
  }

  status(): ReconcileStatus {
    return {
      report: this.#last, running: this.#running !== undefined, intervalMs: this.#o.intervalMs,
      nextRunAt: this.#periodic.nextRunAt(),
    };
  }

  /** Starts the periodic report-only runs (none when `intervalMs` is 0 or there is no service login). */
  start(): void {
    if (this.#o.intervalMs === 0 || this.#o.service === undefined) return;
    this.#periodic.start();
  }

  async close(): Promise<void> {
    this.#periodic.stop();
    await this.#running?.catch(() => undefined);
  }
}
