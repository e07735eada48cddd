import { assert } from '../../env/assert.ts';
import type { Clock } from '../../env/types.ts';

/** One named series as bins: bin index -> sum of what was added in it. JSON-friendly. */
export interface RecordedSeries {
  readonly binNs: number;
  /** Env-clock time of bin 0 (the start of the run on the coordinator's clock in sim; per process in real). */
  readonly originNs: number;
  readonly series: Readonly<Record<string, ReadonlyArray<readonly [bin: number, sum: number]>>>;
}

/**
 * Adds up amounts (bytes read, removes issued) per named series in fixed time bins of the Env clock,
 * so the same workload code records sim and real runs alike. Cheap on the hot path: one map lookup and
 * an add per event.
 */
export class ThroughputRecorder {
  readonly #bins = new Map<string, Map<number, number>>();

  constructor(private readonly clock: Clock, readonly binNs: number, readonly originNs = clock.now()) {
    assert(Number.isSafeInteger(binNs) && binNs > 0, `bin width must be a positive integer, got ${binNs}`);
  }

  add(name: string, amount: number): void {
    const bin = Math.floor((this.clock.now() - this.originNs) / this.binNs);
    let bins = this.#bins.get(name);
    if (!bins) this.#bins.set(name, (bins = new Map()));
    bins.set(bin, (bins.get(bin) ?? 0) + amount);
  }

  snapshot(): RecordedSeries {
    const series: Record<string, Array<readonly [number, number]>> = {};
    for (const name of [...this.#bins.keys()].sort()) {
      series[name] = [...this.#bins.get(name)!.entries()].sort((a, b) => a[0] - b[0]);
    }
    return { binNs: this.binNs, originNs: this.originNs, series };
  }
}

/**
 * A series as rate points (amount per second) at bin centres, with zeros for empty bins in between: a
 * line drawn through centres puts each bin's rate where it happened, not half a bin early.
 */
export function toRatePoints(recorded: RecordedSeries, name: string, scale = 1): Array<{ tSec: number; value: number }> {
  const bins = recorded.series[name] ?? [];
  if (bins.length === 0) return [];
  const byBin = new Map(bins);
  const last = bins[bins.length - 1]![0];
  const perSec = 1e9 / recorded.binNs;
  const points: Array<{ tSec: number; value: number }> = [];
  for (let bin = 0; bin <= last; bin++) points.push({ tSec: ((bin + 0.5) * recorded.binNs) / 1e9, value: ((byBin.get(bin) ?? 0) * perSec) / scale });
  return points;
}

/** Merges series recorded by several clients (same bin width and origin) by summing per bin and name. */
export function mergeRecorded(parts: readonly RecordedSeries[], prefix?: (index: number) => string): RecordedSeries {
  assert(parts.length > 0, 'merging needs at least one recording');
  const binNs = parts[0]!.binNs;
  const originNs = Math.min(...parts.map((p) => p.originNs));
  const merged = new Map<string, Map<number, number>>();
  parts.forEach((part, index) => {
    assert(part.binNs === binNs, 'merged recordings share a bin width');
    const shift = Math.round((part.originNs - originNs) / binNs);
    for (const [name, bins] of Object.entries(part.series)) {
      const key = prefix ? `${prefix(index)}${name}` : name;
      let target = merged.get(key);
      if (!target) merged.set(key, (target = new Map()));
      for (const [bin, sum] of bins) target.set(bin + shift, (target.get(bin + shift) ?? 0) + sum);
    }
  });
  const series: Record<string, Array<readonly [number, number]>> = {};
  for (const name of [...merged.keys()].sort()) series[name] = [...merged.get(name)!.entries()].sort((a, b) => a[0] - b[0]);
  return { binNs, originNs, series };
}
