import { SYSTEMS, type SystemName } from '../core/api-call.ts';
import type { Metrics } from '../core/metrics.ts';
import type { BackendClient, BackendListener } from '../backends/backend-client.ts';
import type { ServiceClient } from '../backends/service-client.ts';

/** The last active check of one backend listener. */
export interface BackendCheck {
  system: SystemName;
  listener: BackendListener;
  up: boolean;
  latencyMs: number;
  checkedAt: number;
  lastError?: string;
  /** The release the system reports (admin listener with the service login). */
  version?: string;
}

const LISTENERS: readonly BackendListener[] = ['admin', 'reseller', 'customer', 'account', 'portasip'];

/**
 * Active health checks of every backend listener, also when no client calls: one light call per
 * period (`Generic/get_version`; with the service login on the admin listener, anonymous on the
 * others, where a PortaBilling fault in JSON still proves the API answers). The results are the
 * console's backend panel and the `webdispatcher_backend_up` / `_backend_check_seconds` gauges, so
 * the load balancer's, Prometheus' and the page's views agree.
 */
export class BackendChecks {
  readonly #backends: BackendClient;
  readonly #service: ServiceClient | undefined;
  readonly #intervalMs: number;
  readonly #last = new Map<string, BackendCheck>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(deps: { backends: BackendClient; service?: ServiceClient; metrics: Metrics; intervalMs: number }) {
    this.#backends = deps.backends;
    this.#service = deps.service;
    this.#intervalMs = deps.intervalMs;
    deps.metrics.gauge('webdispatcher_backend_up', 'Whether the last active check of a backend listener got an answer (1) or not (0)',
      () => [...this.#last.values()].map((c) => [{ system: c.system, listener: c.listener }, c.up ? 1 : 0]));
    deps.metrics.gauge('webdispatcher_backend_check_seconds', 'Latency of the last active check of a backend listener',
      () => [...this.#last.values()].map((c) => [{ system: c.system, listener: c.listener }, c.latencyMs / 1000]));
  }

  /** Runs now and then every period; a period of 0 keeps the watcher off. */
  start(): void {
    if (this.#intervalMs <= 0) return;
    void this.checkAll();
    this.#timer = setInterval(() => { void this.checkAll(); }, this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Every listener's last check, in system then listener order. */
  status(): BackendCheck[] {
    return [...this.#last.values()].map((c) => ({ ...c }));
  }

  /** Checks every listener once (a check still running is awaited, not doubled). */
  checkAll(): Promise<void> {
    this.#running ??= Promise.all(SYSTEMS.flatMap((s) => LISTENERS.map((l) => this.#check(s, l)))).then(() => undefined).finally(() => { this.#running = undefined; });
    return this.#running;
  }

  async #check(system: SystemName, listener: BackendListener): Promise<void> {
    const started = performance.now();
    const check: BackendCheck = { system, listener, up: false, latencyMs: 0, checkedAt: Date.now() };
    try {
      if (listener === 'admin' && this.#service !== undefined) {
        const reply = await this.#service.call(system, '/rest/Generic/get_version', {});
        check.up = true;
        if (typeof reply.json.version === 'string') check.version = reply.json.version;
        else if (reply.status !== 200) check.lastError = `answered ${String(reply.json.faultcode ?? reply.status)}`;
      } else {
        const path = listener === 'portasip' ? '/portasip/Generic/get_version' : '/rest/Generic/get_version';
        await this.#backends.callJson({ system, listener, path, body: '{"params":{}}', requestId: 'health-check', idempotent: true });
        check.up = true;
      }
    } catch (err) {
      check.lastError = err instanceof Error ? err.message : String(err);
    }
    check.latencyMs = Math.round((performance.now() - started) * 100) / 100;
    this.#last.set(`${system}:${listener}`, check);
  }
}
