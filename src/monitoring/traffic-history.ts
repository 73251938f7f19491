import { HISTOGRAM_BUCKETS, type HistogramReading, type Metrics } from '../core/metrics.ts';
import { RingBuffer } from '../core/ring-buffer.ts';

/** One step of a traffic chart: rates per second and latency quantiles (ms) over the step. */
export interface TrafficPoint {
  /** End of the step, epoch ms. */
  t: number;
  callsPerSecond: number;
  faultsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface TrafficHistoryOptions {
  /** Length of one step (default 10 s). */
  stepMs?: number;
  /** Steps kept (default 360: one hour of 10 s steps). */
  points?: number;
  /** Where each step reads (every worker's metrics combined); default: the registry given. */
  view?: () => Promise<Metrics>;
}

/** Where a group of series comes from in the metrics registry. */
interface Source {
  label: string;
  calls: string;
  /** A counter of failed calls, or: failed = calls whose `status` label is not 200. */
  faults?: string;
  latency: string;
}

const BY_LISTENER: Source = { label: 'listener', calls: 'webdispatcher_calls_total', latency: 'webdispatcher_call_seconds' };
const BY_SYSTEM: Source = { label: 'system', calls: 'webdispatcher_system_calls_total', faults: 'webdispatcher_system_faults_total', latency: 'webdispatcher_system_call_seconds' };

interface Totals { calls: number; faults: number; buckets: number[]; count: number }

/**
 * The quantile `q` of the observations between two cumulative readings, interpolated inside its
 * bucket as Prometheus' `histogram_quantile` does; null without observations.
 */
export function quantileMs(buckets: readonly number[], count: number, q: number): number | null {
  if (count <= 0) return null;
  const rank = q * count;
  let below = 0;
  for (let i = 0; i < HISTOGRAM_BUCKETS.length; i++) {
    const inBucket = buckets[i]! - below;
    if (buckets[i]! >= rank) {
      const lower = i === 0 ? 0 : HISTOGRAM_BUCKETS[i - 1]!;
      const upper = HISTOGRAM_BUCKETS[i]!;
      const share = inBucket > 0 ? (rank - below) / inBucket : 1;
      return Math.round((lower + (upper - lower) * share) * 1e6) / 1e3;
    }
    below = buckets[i]!;
  }
  return HISTOGRAM_BUCKETS.at(-1)! * 1000;
}

/**
 * The console's live traffic: calls, faults and latency per system and per listener over the last
 * hour, as small time series kept in memory. It samples the metrics registry once per step, so
 * the routed call pays nothing for it.
 */
export class TrafficHistory {
  readonly stepMs: number;
  readonly #metrics: Metrics;
  readonly #points: number;
  readonly #series = new Map<string, RingBuffer<TrafficPoint>>();
  #last = new Map<string, Totals>();
  #lastAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #view: (() => Promise<Metrics>) | undefined;

  constructor(metrics: Metrics, options: TrafficHistoryOptions = {}) {
    this.#metrics = metrics;
    this.#view = options.view;
    this.stepMs = options.stepMs ?? 10_000;
    this.#points = options.points ?? 360;
  }

  /** Samples now and then every step; a step of 0 keeps the history off. */
  start(): void {
    if (this.stepMs <= 0) return;
    const step = () => {
      if (this.#view === undefined) this.sample();
      else void this.#view().then((m) => this.sample(Date.now(), m), () => undefined);
    };
    step();
    this.#timer = setInterval(step, this.stepMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #totals(source: Source, metrics: Metrics): Map<string, Totals> {
    const out = new Map<string, Totals>();
    const at = (name: string): Totals => {
      let t = out.get(name);
      if (t === undefined) out.set(name, (t = { calls: 0, faults: 0, buckets: HISTOGRAM_BUCKETS.map(() => 0), count: 0 }));
      return t;
    };
    for (const s of metrics.counterSeries(source.calls)) {
      const t = at(`${source.label}:${s.labels[source.label] ?? ''}`);
      t.calls += s.value;
      if (source.faults === undefined && s.labels.status !== undefined && s.labels.status !== '200') t.faults += s.value;
    }
    if (source.faults !== undefined) for (const s of metrics.counterSeries(source.faults)) at(`${source.label}:${s.labels[source.label] ?? ''}`).faults += s.value;
    for (const h of metrics.histogramSeries(source.latency) as HistogramReading[]) {
      const t = at(`${source.label}:${h.labels[source.label] ?? ''}`);
      h.buckets.forEach((b, i) => { t.buckets[i]! += b; });
      t.count += h.count;
    }
    return out;
  }

  /** Takes one step now (the timer calls it; tests may too). */
  sample(now = Date.now(), metrics: Metrics = this.#metrics): void {
    const current = new Map([...this.#totals(BY_LISTENER, metrics), ...this.#totals(BY_SYSTEM, metrics)]);
    if (this.#lastAt !== undefined) {
      const seconds = Math.max(0.001, (now - this.#lastAt) / 1000);
      for (const [name, t] of current) {
        const before = this.#last.get(name) ?? { calls: 0, faults: 0, buckets: HISTOGRAM_BUCKETS.map(() => 0), count: 0 };
        const buckets = t.buckets.map((b, i) => b - before.buckets[i]!);
        const count = t.count - before.count;
        let ring = this.#series.get(name);
        if (ring === undefined) this.#series.set(name, (ring = new RingBuffer(this.#points)));
        ring.push({
          t: now,
          callsPerSecond: Math.round(((t.calls - before.calls) / seconds) * 100) / 100,
          faultsPerSecond: Math.round(((t.faults - before.faults) / seconds) * 100) / 100,
          p50Ms: quantileMs(buckets, count, 0.5),
          p99Ms: quantileMs(buckets, count, 0.99),
        });
      }
    }
    this.#last = current;
    this.#lastAt = now;
  }

  /** The charts' data: per system and per listener, oldest point first. */
  series(): { stepMs: number; system: Record<string, TrafficPoint[]>; listener: Record<string, TrafficPoint[]> } {
    const out = { stepMs: this.stepMs, system: {} as Record<string, TrafficPoint[]>, listener: {} as Record<string, TrafficPoint[]> };
    for (const [name, ring] of this.#series) {
      const [kind, value = ''] = name.split(':');
      (kind === 'system' ? out.system : out.listener)[value] = ring.toArray();
    }
    return out;
  }
}
