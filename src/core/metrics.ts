/** A minimal Prometheus registry: counters and gauges with labels, and summaries as bucketed histograms. */
type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, '_')}"`).join(',');
}

export const HISTOGRAM_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Cell = { value: number; labels: Labels };
type HistogramCell = { buckets: number[]; sum: number; count: number; labels: Labels };

/** One histogram series as read (cumulative since start): bucket counts per upper bound in `HISTOGRAM_BUCKETS`. */
export interface HistogramReading {
  labels: Labels;
  buckets: readonly number[];
  sum: number;
  count: number;
}

/** One counter series (a name and its labels), resolved once: the hot path only adds. */
export interface CounterSeries {
  inc(by?: number): void;
}

/** One histogram series, resolved once. */
export interface HistogramSeries {
  observe(seconds: number): void;
}

function observeInto(v: HistogramCell, seconds: number): void {
  for (let i = 0; i < HISTOGRAM_BUCKETS.length; i++) if (seconds <= HISTOGRAM_BUCKETS[i]!) v.buckets[i]!++;
  v.sum += seconds;
  v.count++;
}

/**
 * How one gauge combines over the workers of a node: `same` for a view every worker reads alike
 * from shared state or configuration (a campaign's customers, whether a system is up: summing
 * would double it), `sum` for what each worker holds itself (held calls, its memory).
 */
export type GaugeAcross = 'same' | 'sum';

/** A registry's readings at one instant, as plain data a worker sends to the primary. */
export interface MetricsSnapshot {
  counters: Array<{ name: string; help: string; series: Array<{ labels: Labels; value: number }> }>;
  gauges: Array<{ name: string; help: string; across: GaugeAcross; series: Array<{ labels: Labels; value: number }> }>;
  histograms: Array<{ name: string; help: string; series: HistogramReading[] }>;
}

export class Metrics {
  #counters = new Map<string, { help: string; values: Map<string, Cell> }>();
  #gauges = new Map<string, { help: string; read: () => Array<[Labels, number]>; across: GaugeAcross }>();
  #histograms = new Map<string, { help: string; values: Map<string, HistogramCell> }>();

  #counterCell(name: string, help: string, labels: Labels): Cell {
    let c = this.#counters.get(name);
    if (!c) this.#counters.set(name, (c = { help, values: new Map() }));
    const k = key(labels);
    let cell = c.values.get(k);
    if (!cell) c.values.set(k, (cell = { value: 0, labels: { ...labels } }));
    return cell;
  }

  #histogramCell(name: string, help: string, labels: Labels): HistogramCell {
    let h = this.#histograms.get(name);
    if (!h) this.#histograms.set(name, (h = { help, values: new Map() }));
    const k = key(labels);
    let v = h.values.get(k);
    if (!v) h.values.set(k, (v = { buckets: HISTOGRAM_BUCKETS.map(() => 0), sum: 0, count: 0, labels: { ...labels } }));
    return v;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.#counterCell(name, help, labels).value += by;
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    observeInto(this.#histogramCell(name, help, labels), seconds);
  }

  /**
   * A counter series to increment without resolving its labels again. The series appears in
   * `render` at its first increment, as with `inc`.
   */
  counter(name: string, help: string, labels: Labels = {}): CounterSeries {
    let cell: Cell | undefined;
    return {
      inc: (by = 1) => {
        cell ??= this.#counterCell(name, help, labels);
        cell.value += by;
      },
    };
  }

  /** A histogram series to observe into without resolving its labels again (appears at its first observation). */
  histogram(name: string, help: string, labels: Labels): HistogramSeries {
    let cell: HistogramCell | undefined;
    return {
      observe: (seconds) => {
        cell ??= this.#histogramCell(name, help, labels);
        observeInto(cell, seconds);
      },
    };
  }

  gauge(name: string, help: string, read: () => Array<[Labels, number]>, across: GaugeAcross = 'same'): void {
    this.#gauges.set(name, { help, read, across });
  }

  snapshot(): MetricsSnapshot {
    return {
      counters: [...this.#counters].map(([name, c]) => ({ name, help: c.help, series: [...c.values.values()].map((v) => ({ labels: v.labels, value: v.value })) })),
      gauges: [...this.#gauges].map(([name, g]) => ({ name, help: g.help, across: g.across, series: g.read().map(([labels, value]) => ({ labels, value })) })),
      histograms: [...this.#histograms.keys()].map((name) => ({ name, help: this.#histograms.get(name)!.help, series: this.histogramSeries(name) })),
    };
  }

  /**
   * One registry holding several workers' readings combined: counters and histograms summed per
   * series, gauges summed or taken once (the highest reading) by their `across`.
   */
  static combine(snapshots: readonly MetricsSnapshot[]): Metrics {
    const out = new Metrics();
    for (const snap of snapshots) {
      for (const c of snap.counters) for (const s of c.series) out.inc(c.name, c.help, s.labels, s.value);
      for (const h of snap.histograms) {
        for (const s of h.series) {
          const cell = out.#histogramCell(h.name, h.help, s.labels);
          s.buckets.forEach((b, i) => { cell.buckets[i] = (cell.buckets[i] ?? 0) + b; });
          cell.sum += s.sum;
          cell.count += s.count;
        }
      }
    }
    const gauges = new Map<string, { help: string; across: GaugeAcross; values: Map<string, [Labels, number]> }>();
    for (const snap of snapshots) {
      for (const g of snap.gauges) {
        let acc = gauges.get(g.name);
        if (!acc) gauges.set(g.name, (acc = { help: g.help, across: g.across, values: new Map() }));
        for (const s of g.series) {
          const k = key(s.labels);
          const had = acc.values.get(k);
          if (had === undefined) acc.values.set(k, [s.labels, s.value]);
          else had[1] = acc.across === 'sum' ? had[1] + s.value : Math.max(had[1], s.value);
        }
      }
    }
    for (const [name, g] of gauges) {
      const readings = [...g.values.values()];
      out.gauge(name, g.help, () => readings, g.across);
    }
    return out;
  }

  counterValue(name: string, labels: Labels = {}): number {
    return this.#counters.get(name)?.values.get(key(labels))?.value ?? 0;
  }

  /** Every series of a counter with its labels (for samplers such as the console's traffic history). */
  counterSeries(name: string): Array<{ labels: Labels; value: number }> {
    return [...(this.#counters.get(name)?.values.values() ?? [])].map((c) => ({ labels: c.labels, value: c.value }));
  }

  /** A gauge's reading summed over its series (0 when it has none). */
  gaugeTotal(name: string): number {
    return (this.#gauges.get(name)?.read() ?? []).reduce((n, [, v]) => n + v, 0);
  }

  /** Every series of a histogram (cumulative). */
  histogramSeries(name: string): HistogramReading[] {
    return [...(this.#histograms.get(name)?.values.values() ?? [])].map((h) => ({ labels: h.labels, buckets: [...h.buckets], sum: h.sum, count: h.count }));
  }

  /** Sums a counter over all its series, grouped by one label's value. */
  sumBy(name: string, label: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.#counters.get(name)?.values ?? []) {
      const m = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(k);
      const group = m?.[1] ?? '';
      out[group] = (out[group] ?? 0) + v.value;
    }
    return out;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, c] of this.#counters) {
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [k, v] of c.values) out.push(`${name}${k ? `{${k}}` : ''} ${v.value}`);
    }
    for (const [name, g] of this.#gauges) {
      out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`);
      for (const [labels, v] of g.read()) {
        const k = key(labels);
        out.push(`${name}${k ? `{${k}}` : ''} ${v}`);
      }
    }
    for (const [name, h] of this.#histograms) {
      out.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      for (const [k, v] of h.values) {
        const sep = k ? `${k},` : '';
        HISTOGRAM_BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${sep}le="${b}"} ${v.buckets[i]}`));
        out.push(`${name}_bucket{${sep}le="+Inf"} ${v.count}`, `${name}_sum${k ? `{${k}}` : ''} ${v.sum}`, `${name}_count${k ? `{${k}}` : ''} ${v.count}`);
      }
    }
    return out.join('\n') + '\n';
  }
}
