import type { LocationDirectory } from '../directory/location-directory.ts';
import type { LocationResolver } from '../core/location.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { CampaignRecord, CampaignState, CopySpec, CustomerEntry } from './campaign.ts';
import { IN_FLIGHT_STEPS } from './campaign.ts';
import type { CampaignStore } from './campaign-store.ts';
import type { CopyStep } from './copy-step.ts';
import type { Cutover } from './cutover.ts';
import type { RequestRules } from './campaign-request.ts';
import { parseCampaignRequest } from './campaign-request.ts';
import { selectCustomers } from './select-customers.ts';
import { Precheck } from './precheck.ts';
import { budgetSpent, msUntilWindow, RateGate } from './pace.ts';
import { moveCustomer, recoverCustomer, type MoveContext } from './customer-move.ts';
import { campaignExists, campaignNotFound } from './campaign-faults.ts';
import { dispatcherFault } from '../core/faults.ts';

export interface CampaignControllerDeps {
  store: CampaignStore;
  cutover: Cutover;
  service: ServiceClient;
  directory: LocationDirectory;
  resolver: LocationResolver;
  /** Builds the copy step a campaign names. */
  copyStep: (spec: CopySpec) => CopyStep;
  rules: RequestRules;
  logger: Logger;
  metrics: Metrics;
  /** This node's id, the lease owner's name. */
  nodeId: string;
  /** Driver lease (renewed every third of it). */
  leaseMs: number;
  /** How often campaigns without a live driver are looked for (default 1,000 ms). */
  pollMs?: number;
}

/** `GET /v1/campaigns/{name}` (issue 12 names these fields). */
export interface CampaignStatus {
  name: string;
  state: CampaignState;
  phase: 'forward' | 'rollback';
  reason: string | null;
  from: string;
  to: string;
  total: number;
  committed: number;
  failed: number;
  pending: number;
  inFlight: number;
  rolledBack: number;
  /** Customers finished per minute, over the last minute (or since the campaign started, if later). */
  ratePerMinute: number;
  /** Seconds until the phase ends at the current rate (null: not running or no rate yet). */
  eta: number | null;
  /** Why a running campaign starts nobody now (outside its window), else null. */
  waiting: string | null;
  driver: string | null;
  pace: { batchSize: number; concurrency: number; ratePerMinute: number | null; window: string | null; failureBudget: { last: number; maxFailures: number } | null };
  copy: string;
  failures: Array<{ i_customer: number; step: string; reason: string }>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * The migration campaign controller (issue 12): creates campaigns, changes their state on an
 * operator's word, and drives the running ones whose lease this node holds — in waves of
 * `batchSize`, `concurrency` customers at once, no faster than `ratePerMinute`, inside `window`,
 * pausing itself when the failure budget is spent. Any node answers status; a campaign whose
 * driver died is taken over by the next node that sees its lease expire, which first resolves the
 * customers the dead driver left in flight.
 */
export class CampaignController {
  readonly #d: CampaignControllerDeps;
  readonly #precheck: Precheck;
  readonly #driving = new Map<string, Promise<void>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #polling: Promise<void> | undefined;
  /** Per campaign: its state and customers per step, as last read (for the metrics gauges). */
  readonly #seen = new Map<string, { state: CampaignState; counts: Record<string, number> }>();
  #seenAt = 0;

  constructor(deps: CampaignControllerDeps) {
    this.#d = deps;
    this.#precheck = new Precheck(deps.service);
  }

  /** Starts looking for running campaigns to drive (those of a previous run first). */
  run(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => { void this.poll(); }, this.#d.pollMs ?? 1000);
    this.#timer.unref();
    void this.poll();
  }

  /** Stops starting customers; waits for those in flight; releases the leases. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#polling;
    await Promise.all(this.#driving.values());
  }

  /** Takes the lease of every running campaign without a live driver and drives it. */
  poll(): Promise<void> {
    if (this.#polling !== undefined || this.#closed) return this.#polling ?? Promise.resolve();
    this.#polling = (async () => {
      try {
        const now = Date.now();
        const all = await this.#d.store.list();
        if (now - this.#seenAt >= 5000) {
          this.#seenAt = now;
          for (const c of all) this.#seen.set(c.spec.name, { state: c.state, counts: (await this.#d.store.progress(c.spec.name, now)).counts });
        }
        for (const c of all) {
          const name = c.spec.name;
          if (c.state === 'created' || this.#driving.has(name) || this.#closed) continue;
          if (c.leaseOwner !== null && c.leaseOwner !== this.#d.nodeId && c.leaseUntil > now) continue;
          // A paused, aborted or finished campaign is driven only to resolve customers a dead
          // driver left in flight (never left held); the drive stops once they are resolved.
          if (c.state !== 'running' && (await this.#d.store.entries(name, [...IN_FLIGHT_STEPS], 1)).length === 0) continue;
          if (!(await this.#d.store.acquireLease(name, this.#d.nodeId, now, this.#d.leaseMs))) continue;
          const run = this.#drive(c).catch((err: unknown) => {
            this.#d.logger.error('campaign driver stopped', { campaign: name, error: (err as Error).message });
          }).finally(() => { this.#driving.delete(name); });
          this.#driving.set(name, run);
        }
      } catch (err) {
        this.#d.logger.warn('campaign poll failed', { error: (err as Error).message });
      } finally {
        this.#polling = undefined;
      }
    })();
    return this.#polling;
  }

  /** Gauge rows: customers per campaign and step, as of the last poll (≤ 5 s old). */
  customerGauge(): Array<[Record<string, string>, number]> {
    const rows: Array<[Record<string, string>, number]> = [];
    for (const [campaign, s] of this.#seen) for (const [step, n] of Object.entries(s.counts)) rows.push([{ campaign, step }, n]);
    return rows;
  }

  /** Gauge rows: 1 for each campaign's current state. */
  stateGauge(): Array<[Record<string, string>, number]> {
    return [...this.#seen].map(([campaign, s]) => [{ campaign, state: s.state }, 1]);
  }

  /** Validates a request, resolves its selection on the system the customers leave, stores it `created`. */
  async create(body: unknown): Promise<CampaignStatus> {
    const req = parseCampaignRequest(body, this.#d.rules);
    // Refused before the selection is read on the source (the store refuses a race too).
    if (await this.#d.store.get(req.spec.name) !== undefined) throw campaignExists(req.spec.name);
    const ids = await selectCustomers(this.#d.service, req.spec.from, req.selection);
    await this.#d.store.create(req.spec, ids, Date.now());
    this.#d.logger.info('campaign created', { campaign: req.spec.name, customers: ids.length, copy: req.spec.copy.type });
    return this.status(req.spec.name);
  }

  async #record(name: string): Promise<CampaignRecord> {
    const c = await this.#d.store.get(name);
    if (c === undefined) throw campaignNotFound(name);
    return c;
  }

  async #transition(name: string, to: CampaignState, from: CampaignState[], what: string, phase?: 'forward' | 'rollback'): Promise<CampaignStatus> {
    const c = await this.#record(name);
    const ok = await this.#d.store.setState(name, to, phase ?? c.phase, null, Date.now(), from);
    if (!ok) throw dispatcherFault('conflict', `Cannot ${what} campaign ${JSON.stringify(name)}: it is ${c.state} (${what} needs ${from.join(' or ')})`, { httpStatus: 409 });
    this.#d.logger.info(`campaign ${what}`, { campaign: name });
    void this.poll();
    return this.status(name);
  }

  start(name: string): Promise<CampaignStatus> { return this.#transition(name, 'running', ['created'], 'start'); }
  pause(name: string): Promise<CampaignStatus> { return this.#transition(name, 'paused', ['running'], 'pause'); }
  resume(name: string): Promise<CampaignStatus> { return this.#transition(name, 'running', ['paused'], 'resume'); }
  /** No new customer starts; those in flight finish. */
  abort(name: string): Promise<CampaignStatus> { return this.#transition(name, 'aborted', ['created', 'running', 'paused'], 'abort'); }
  /** Moves the committed customers back, through the same steps. */
  rollback(name: string): Promise<CampaignStatus> { return this.#transition(name, 'running', ['done', 'aborted', 'paused'], 'rollback', 'rollback'); }

  async list(): Promise<CampaignStatus[]> {
    const out: CampaignStatus[] = [];
    for (const c of await this.#d.store.list()) out.push(await this.#status(c));
    return out;
  }

  async status(name: string): Promise<CampaignStatus> {
    return this.#status(await this.#record(name));
  }

  async #status(c: CampaignRecord): Promise<CampaignStatus> {
    const now = Date.now();
    // The rate over the last minute, or since the campaign (re)started when that is more recent.
    const since = Math.min(now - 1000, Math.max(now - 60_000, c.state === 'running' ? c.updatedAt : 0));
    const { counts, finishedSince } = await this.#d.store.progress(c.spec.name, since);
    const perMinute = Math.round((finishedSince * 60_000) / (now - since));
    const inFlight = IN_FLIGHT_STEPS.reduce((n, s) => n + counts[s], 0);
    const failures = (await this.#d.store.entries(c.spec.name, ['failed'], 100)).map((e) => ({ i_customer: e.iCustomer, step: e.failedStep ?? '', reason: e.reason ?? '' }));
    const remaining = (c.phase === 'forward' ? counts.pending : counts.committed) + inFlight;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const w = c.spec.window;
    const wait = c.state === 'running' && w !== undefined ? msUntilWindow(w, new Date(now)) : 0;
    return {
      name: c.spec.name, state: c.state, phase: c.phase, reason: c.reason, from: c.spec.from, to: c.spec.to,
      total, committed: counts.committed, failed: counts.failed, pending: counts.pending, inFlight, rolledBack: counts['rolled-back'],
      ratePerMinute: perMinute,
      eta: c.state === 'running' && perMinute > 0 ? Math.round((remaining / perMinute) * 60) + Math.round(wait / 1000) : null,
      waiting: wait > 0 && w !== undefined ? `outside the window ${w.start}-${w.end}; opens in ${Math.ceil(wait / 60_000)} min` : null,
      driver: c.leaseUntil > now ? c.leaseOwner : null,
      pace: {
        batchSize: c.spec.batchSize, concurrency: c.spec.concurrency, ratePerMinute: c.spec.ratePerMinute ?? null,
        window: w === undefined ? null : `${w.start}-${w.end}`, failureBudget: c.spec.failureBudget ?? null,
      },
      copy: c.spec.copy.type,
      failures,
    };
  }

  /** Drives one campaign while this node holds its lease and it is running. */
  async #drive(initial: CampaignRecord): Promise<void> {
    const name = initial.spec.name;
    const d = this.#d;
    let lost = false;
    const renew = setInterval(() => {
      d.store.acquireLease(name, d.nodeId, Date.now(), d.leaseMs).then((held) => { if (!held) lost = true; }, () => { /* retried at the next tick; expiry decides */ });
    }, Math.max(200, Math.floor(d.leaseMs / 3)));
    renew.unref();
    const ctx: MoveContext = {
      store: d.store, cutover: d.cutover, service: d.service, directory: d.directory, resolver: d.resolver, precheck: this.#precheck,
      step: d.copyStep(initial.spec.copy), logger: d.logger, metrics: d.metrics, spec: initial.spec, now: Date.now,
    };
    d.logger.info('campaign driving', { campaign: name, node: d.nodeId, phase: initial.phase });
    try {
      // Customers a crashed (or partitioned) driver left between precheck and commit come first.
      for (;;) {
        const stuck = await d.store.entries(name, [...IN_FLIGHT_STEPS], 100);
        if (stuck.length === 0) break;
        for (const e of stuck) await recoverCustomer(ctx, e);
      }
      const gate = new RateGate(initial.spec.ratePerMinute);
      for (;;) {
        const c = await d.store.get(name);
        if (c === undefined || c.state !== 'running' || lost || this.#closed) return;
        const direction = c.phase === 'forward' ? 'forward' : 'back';
        const wave = await d.store.entries(name, [c.phase === 'forward' ? 'pending' : 'committed'], c.spec.batchSize);
        if (wave.length === 0) {
          const end = c.phase === 'forward' ? 'done' : 'rolled-back';
          if (await d.store.setState(name, end, c.phase, null, Date.now(), ['running'])) d.logger.info(`campaign ${end}`, { campaign: name });
          return;
        }
        this.#precheck.forget();
        await this.#runWave(ctx, c, wave, direction, gate, () => lost);
      }
    } finally {
      clearInterval(renew);
      if (!lost) await d.store.releaseLease(name, d.nodeId).catch(() => undefined);
    }
  }

  /** One wave: `concurrency` workers take the wave's customers while the campaign may go on. */
  async #runWave(ctx: MoveContext, c: CampaignRecord, wave: CustomerEntry[], direction: 'forward' | 'back', gate: RateGate, lost: () => boolean): Promise<void> {
    const d = this.#d;
    const name = c.spec.name;
    let next = 0;
    let stop = false;
    const mayStart = async (): Promise<boolean> => {
      for (;;) {
        if (stop || lost() || this.#closed) return false;
        const now = Date.now();
        const cur = await d.store.get(name);
        if (cur === undefined || cur.state !== 'running') return false;
        const budget = cur.spec.failureBudget;
        if (budget !== undefined) {
          // Only customers finished since the last start/resume count, so a resume gets a fresh budget.
          const recent = (await d.store.recentFinished(name, budget.last)).filter((e) => (e.finishedAt ?? 0) >= cur.updatedAt);
          if (budgetSpent(recent.map((e) => e.state === 'failed'), budget)) {
            const failed = recent.filter((e) => e.state === 'failed').length;
            const reason = `failure budget spent: ${failed} of the last ${recent.length} customers failed (budget ${budget.maxFailures} of ${budget.last}); last: ${recent.find((e) => e.state === 'failed')?.reason ?? ''}`;
            if (await d.store.setState(name, 'paused', cur.phase, reason, now, ['running'])) d.logger.warn('campaign paused', { campaign: name, reason });
            return false;
          }
        }
        const windowWait = cur.spec.window === undefined ? 0 : msUntilWindow(cur.spec.window, new Date(now));
        const wait = Math.max(windowWait, gate.waitMs(now));
        if (wait === 0) {
          gate.took(now);
          return true;
        }
        // Re-check state at least every second, so pause/abort are heard while waiting.
        await sleep(Math.min(wait, 1000));
      }
    };
    const worker = async () => {
      for (;;) {
        if (next >= wave.length) return;
        if (!(await mayStart())) {
          stop = true;
          return;
        }
        const entry = wave[next++];
        if (entry === undefined) return;
        try {
          await moveCustomer(ctx, entry, direction);
        } catch (err) {
          // A store or directory failure mid-move: the entry keeps its last step; the next drive
          // (this node's or another's) resolves it through recovery.
          d.logger.error('campaign customer interrupted', { campaign: name, iCustomer: entry.iCustomer, error: (err as Error).message });
          stop = true;
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(c.spec.concurrency, wave.length) }, worker));
    if (stop && !lost()) {
      // Interrupted entries: resolve now rather than at the next takeover.
      const stuck = await d.store.entries(name, [...IN_FLIGHT_STEPS], 100).catch(() => []);
      for (const e of stuck) await recoverCustomer(ctx, e).catch(() => undefined);
    }
  }
}
