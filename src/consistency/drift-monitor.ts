import type { ServiceClient } from '../backends/service-client.ts';
import type { ConfigEntityType } from '../core/config-entity-types.ts';
import type { Logger } from '../core/logger.ts';
import { dispatcherFault } from '../core/faults.ts';
import { compareEntityType, type CompareOptions } from './drift-compare.ts';
import { differencesOf, summarise, type DriftReport, type DriftTrigger, type EntityDrift } from './drift-report.ts';
import { PeriodicRun } from '../core/periodic-run.ts';
import type { WsdlComparison } from './api-versions.ts';

export interface DriftMonitorOptions {
  /** The service login (`ops.serviceLogin`); without one every run is refused, saying so. */
  service: ServiceClient | undefined;
  /** Every type the dispatcher knows (built in and `drift.extraEntities`). */
  types: readonly ConfigEntityType[];
  /** The types a run compares when it names none (`drift.entities`). */
  defaultEntities: readonly string[];
  compare: CompareOptions;
  /** A periodic run every this many ms; 0 = on demand only. */
  intervalMs: number;
  /** The first periodic run, this long after `start` (default: a minute, or the interval if shorter). */
  firstRunMs?: number;
  logger: Logger;
  /** Compares the systems' WSDLs at every run (`drift.wsdls`); none when absent. */
  compareApi?: () => Promise<WsdlComparison[]>;
  /** Told of every finished run (metrics). */
  onReport?: (report: DriftReport) => void;
}

/** What `GET /v1/drift` answers. */
export interface DriftStatus {
  report: DriftReport | null;
  running: boolean;
  intervalMs: number;
  nextRunAt: string | null;
}

/**
 * Runs drift comparisons (SPEC §4.11) one at a time — on demand and every `intervalMs` — and
 * keeps the last report, and the last result of each type for the metrics.
 */
export class DriftMonitor {
  readonly #o: DriftMonitorOptions;
  readonly #byName: ReadonlyMap<string, ConfigEntityType>;
  #last: DriftReport | null = null;
  readonly #lastByType = new Map<string, EntityDrift>();
  #running: Promise<DriftReport> | undefined;
  readonly #periodic: PeriodicRun;

  constructor(options: DriftMonitorOptions) {
    this.#o = options;
    this.#byName = new Map(options.types.map((t) => [t.name, t]));
    // A run already going (asked for through the API) stands for the periodic one.
    this.#periodic = new PeriodicRun({
      intervalMs: options.intervalMs,
      run: () => this.#running ?? this.run(undefined, 'periodic'),
      onError: (err) => { this.#o.logger.warn('periodic drift run failed', { error: err.message }); },
    });
  }

  /** The names of the types a run may be asked for. */
  knownTypes(): string[] {
    return [...this.#byName.keys()];
  }

  /** The entity types named, checked: an unknown name is a bad request naming the known ones. */
  #typesOf(names: readonly string[] | undefined): ConfigEntityType[] {
    const wanted = names === undefined || names.length === 0 ? this.#o.defaultEntities : names;
    const unknown = wanted.filter((n) => !this.#byName.has(n));
    if (unknown.length > 0) {
      throw dispatcherFault('badRequest', `Unknown entity type ${unknown.map((n) => JSON.stringify(n.slice(0, 64))).join(', ')}; known: ${this.knownTypes().join(', ')}`, { httpStatus: 400 });
    }
    return [...new Set(wanted)].map((n) => this.#byName.get(n)!);
  }

  /**
   * Compares the named types (default `drift.entities`) now. A run asked for while another is
   * going waits for it and then runs, so its report is never older than the request.
   */
  async run(entities?: readonly string[], trigger: DriftTrigger = 'api'): Promise<DriftReport> {
    const types = this.#typesOf(entities);
    const service = this.#o.service;
    if (service === undefined) throw dispatcherFault('backendUnavailable', 'Drift reports need ops.serviceLogin in the config (the lists are read on both systems with it)', { httpStatus: 503 });
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
    const run = this.#compare(service, types, trigger);
    this.#running = run;
    try {
      return await run;
    } finally {
      if (this.#running === run) this.#running = undefined;
    }
  }

  async #compare(service: ServiceClient, types: ConfigEntityType[], trigger: DriftTrigger): Promise<DriftReport> {
    const started = Date.now();
    const [entities, api] = await Promise.all([
      Promise.all(types.map((t) => compareEntityType(service, t, this.#o.compare))),
      this.#o.compareApi?.() ?? Promise.resolve([]),
    ]);
    const report = summarise(entities, trigger, started, Date.now(), api);
    this.#last = report;
    for (const e of entities) this.#lastByType.set(e.entity, e);
    const fields = { trigger, outcome: report.outcome, ms: report.durationMs, missingOnTarget: report.totals.missingOnTarget, missingOnSource: report.totals.missingOnSource, differing: report.totals.differing };
    if (report.outcome === 'clean') this.#o.logger.info('configuration drift: none', fields);
    else {
      const failed = entities.filter((e) => !e.compared).map((e) => `${e.entity}: ${e.error ?? ''}`);
      const found = [...entities.filter((e) => differencesOf(e) > 0).map((e) => e.entity), ...api.filter((w) => !w.same).map((w) => w.file)];
      this.#o.logger.warn(report.outcome === 'drift' ? 'configuration drift found' : 'configuration drift: could not compare', { ...fields, types: found, failed });
    }
    this.#o.onReport?.(report);
    return report;
  }

  status(): DriftStatus {
    return {
      report: this.#last, running: this.#running !== undefined, intervalMs: this.#o.intervalMs,
      nextRunAt: this.#periodic.nextRunAt(),
    };
  }

  /** The last result of each type compared so far (for the metrics). */
  lastByType(): EntityDrift[] {
    return [...this.#lastByType.values()];
  }

  /** Starts the periodic runs (none when `intervalMs` is 0 or there is no service login). */
  start(): void {
    if (this.#o.intervalMs === 0 || this.#o.service === undefined) return;
    this.#periodic.start(this.#o.firstRunMs ?? Math.min(60_000, this.#o.intervalMs));
  }

  /** Stops the periodic runs and waits for a run in flight. */
  async close(): Promise<void> {
    this.#periodic.stop();
    await this.#running?.catch(() => undefined);
  }
}
