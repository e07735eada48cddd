import { assert } from './assert.ts';

/**
 * Counters, histograms and time series, stamped with Env time. One registry per node. In simulation
 * the series feed the reports; in real mode a sink mirrors every update into Prometheus metrics.
 */
export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  add(amount?: number): void;
  readonly value: number;
}

export interface Histogram {
  observe(value: number): void;
  readonly count: number;
  readonly sum: number;
  /** Approximate quantile (log-bucketed, within about 4%). */
  quantile(q: number): number;
}

export interface Series {
  record(value: number): void;
  /** Recorded points, oldest first; older points are thinned when the series exceeds its limit. */
  points(): ReadonlyArray<readonly [timeNs: number, value: number]>;
}

export interface Metrics {
  counter(name: string, labels?: Labels): Counter;
  histogram(name: string, labels?: Labels): Histogram;
  series(name: string, labels?: Labels): Series;
}

/** Receives every update, e.g. to mirror it into prom-client in real mode. */
export interface MetricsSink {
  counterAdded(name: string, labels: Labels, amount: number): void;
  histogramObserved(name: string, labels: Labels, value: number): void;
}

const SERIES_POINTS_MAX = 65_536;
/** Histogram buckets grow by 2^(1/8); quantiles report a bucket's geometric middle: error under 4.5%. */
const BUCKETS_PER_OCTAVE = 8;

/** The geometric middle of a bucket: within 2^(1/16) - 1 (4.4%) of any value in it. */
function bucketMidpoint(bucket: number): number {
  return bucket === 0 ? 1 : 2 ** ((bucket - 0.5) / BUCKETS_PER_OCTAVE);
}

function metricKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  // JSON-quoted values: a value holding quotes or commas cannot collide with another label set.
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

class CounterImpl implements Counter {
  value = 0;
  constructor(readonly name: string, readonly labels: Labels, private readonly sink?: MetricsSink) {}
  add(amount = 1): void {
    assert(amount >= 0, `counter ${this.name} cannot decrease (add ${amount})`);
    this.value += amount;
    this.sink?.counterAdded(this.name, this.labels, amount);
  }
}

class HistogramImpl implements Histogram {
  count = 0;
  sum = 0;
  readonly #buckets = new Map<number, number>();
  constructor(readonly name: string, readonly labels: Labels, private readonly sink?: MetricsSink) {}

  observe(value: number): void {
    assert(Number.isFinite(value), `histogram ${this.name} got a non-finite value`);
    this.count++;
    this.sum += value;
    const bucket = value <= 1 ? 0 : Math.ceil(Math.log2(value) * BUCKETS_PER_OCTAVE);
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + 1);
    this.sink?.histogramObserved(this.name, this.labels, value);
  }

  quantile(q: number): number {
    assert(q >= 0 && q <= 1, `quantile must be in [0, 1], got ${q}`);
    if (this.count === 0) return 0;
    const sorted = [...this.#buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    const rank = q * this.count;
    for (const bucket of sorted) {
      seen += this.#buckets.get(bucket)!;
      if (seen >= rank) return bucketMidpoint(bucket);
    }
    return bucketMidpoint(sorted[sorted.length - 1]!);
  }
}

class SeriesImpl implements Series {
  #times: number[] = [];
  #values: number[] = [];
  constructor(private readonly nowNs: () => number) {}

  record(value: number): void {
    this.#times.push(this.nowNs());
    this.#values.push(value);
    if (this.#times.length > SERIES_POINTS_MAX) this.#thin();
  }

  points(): Array<readonly [number, number]> {
    return this.#times.map((time, i) => [time, this.#values[i]!] as const);
  }

  /** Keeps every other point: memory stays bounded on long runs while the shape survives. */
  #thin(): void {
    this.#times = this.#times.filter((_, i) => i % 2 === 0);
    this.#values = this.#values.filter((_, i) => i % 2 === 0);
  }
}

export class MetricsRegistry implements Metrics {
  readonly #counters = new Map<string, CounterImpl>();
  readonly #histograms = new Map<string, HistogramImpl>();
  readonly #series = new Map<string, SeriesImpl>();

  constructor(private readonly nowNs: () => number, private readonly sink?: MetricsSink) {}

  counter(name: string, labels: Labels = {}): Counter {
    const key = metricKey(name, labels);
    let counter = this.#counters.get(key);
    if (!counter) this.#counters.set(key, (counter = new CounterImpl(name, labels, this.sink)));
    return counter;
  }

  histogram(name: string, labels: Labels = {}): Histogram {
    const key = metricKey(name, labels);
    let histogram = this.#histograms.get(key);
    if (!histogram) this.#histograms.set(key, (histogram = new HistogramImpl(name, labels, this.sink)));
    return histogram;
  }

  series(name: string, labels: Labels = {}): Series {
    const key = metricKey(name, labels);
    let series = this.#series.get(key);
    if (!series) this.#series.set(key, (series = new SeriesImpl(this.nowNs)));
    return series;
  }

  /** A plain snapshot of every metric, keyed by `name{labels}`, for reports and tests. */
  snapshot(): { counters: Record<string, number>; histograms: Record<string, { count: number; sum: number; p50: number; p99: number }>; series: Record<string, Array<readonly [number, number]>> } {
    const counters: Record<string, number> = {};
    for (const [key, counter] of this.#counters) counters[key] = counter.value;
    const histograms: Record<string, { count: number; sum: number; p50: number; p99: number }> = {};
    for (const [key, h] of this.#histograms) histograms[key] = { count: h.count, sum: h.sum, p50: h.quantile(0.5), p99: h.quantile(0.99) };
    const series: Record<string, Array<readonly [number, number]>> = {};
    for (const [key, s] of this.#series) series[key] = s.points();
    return { counters, histograms, series };
  }
}
