import { SYSTEMS, type SystemName } from '../core/api-call.ts';
import type { Metrics } from '../core/metrics.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { LocationCounts, LocationDirectory } from '../directory/location-directory.ts';

/** One system's own count of the customers it holds (moved-away copies not counted). */
export interface SystemTotal {
  customers?: number;
  checkedAt?: number;
  error?: string;
}

export interface MigrationTotals {
  systems: Record<SystemName, SystemTotal>;
  directory?: LocationCounts & { checkedAt: number };
  directoryError?: string;
  /** target / (source + target) by the systems' own counts, when both answered. */
  migratedShare?: number;
}

/**
 * Migration at a glance: how many customers each system holds by its own count (a periodic
 * `Customer/get_customer_list {get_total, limit: 1, skip_exported}` with the service login) next
 * to the directory's counts per system and state. Periodic, never per page view: a count over
 * millions of rows is not free.
 */
export class SystemTotals {
  readonly #service: ServiceClient | undefined;
  readonly #directory: LocationDirectory;
  readonly #intervalMs: number;
  #state: MigrationTotals = { systems: { source: {}, target: {} } };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(deps: { service?: ServiceClient; directory: LocationDirectory; metrics: Metrics; intervalMs: number }) {
    this.#service = deps.service;
    this.#directory = deps.directory;
    this.#intervalMs = deps.intervalMs;
    deps.metrics.gauge('webdispatcher_system_customers', 'Customers each system holds by its own count (moved-away copies not counted)',
      () => SYSTEMS.flatMap((s) => (this.#state.systems[s].customers === undefined ? [] : [[{ system: s }, this.#state.systems[s].customers!] as [Record<string, string>, number]])));
    deps.metrics.gauge('webdispatcher_directory_customers', 'Customers the location directory places, by system and state',
      () => {
        const d = this.#state.directory;
        return d === undefined ? [] : [[{ system: 'source', state: 'active' }, d.source], [{ system: 'target', state: 'active' }, d.target], [{ system: '', state: 'moving' }, d.moving]];
      });
  }

  /** Runs now and then every period; a period of 0 keeps the watcher off. */
  start(): void {
    if (this.#intervalMs <= 0) return;
    void this.refresh();
    this.#timer = setInterval(() => { void this.refresh(); }, this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  status(): MigrationTotals {
    return structuredClone(this.#state);
  }

  refresh(): Promise<void> {
    this.#running ??= this.#refresh().finally(() => { this.#running = undefined; });
    return this.#running;
  }

  async #refresh(): Promise<void> {
    const next: MigrationTotals = { systems: { source: {}, target: {} } };
    await Promise.all(SYSTEMS.map(async (system) => {
      const t: SystemTotal = { checkedAt: Date.now() };
      if (this.#service === undefined) t.error = 'ops.serviceLogin is not configured';
      else {
        try {
          const json = await this.#service.ok(system, '/rest/Customer/get_customer_list', { get_total: 1, limit: 1, offset: 0, skip_exported: 1 });
          if (typeof json.total === 'number') t.customers = json.total;
          else t.error = 'the list reply had no total';
        } catch (err) {
          t.error = (err as Error).message;
        }
      }
      next.systems[system] = t;
    }));
    try {
      next.directory = { ...(await this.#directory.countLocations()), checkedAt: Date.now() };
    } catch (err) {
      next.directoryError = (err as Error).message;
    }
    const s = next.systems.source.customers;
    const tg = next.systems.target.customers;
    if (s !== undefined && tg !== undefined && s + tg > 0) next.migratedShare = Math.round((tg / (s + tg)) * 10_000) / 10_000;
    this.#state = next;
  }
}
