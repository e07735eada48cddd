import { publishedFigure, type Marker, type PublishedFigureName, type ReferenceFigure, type Series } from '../../report/index.ts';
import { toRatePoints, type RecordedSeries } from './throughput-recorder.ts';
import type { PhaseRecord } from './workload.ts';

export const GiB = 1024 ** 3;

/** One series' rate over time for each client ('client-1', ...), in `scale` units per second. */
export function perClientRates(recordings: readonly RecordedSeries[], name: string, scale: number): Series[] {
  return recordings.map((recording, index) => ({ name: `client-${index + 1}`, points: toRatePoints(recording, name, scale) }))
    .filter((series) => series.points.length > 0);
}

/** The sum over clients, bin by bin. */
export function totalRate(perClient: readonly Series[], name: string): Series {
  const sums = new Map<number, number>();
  for (const series of perClient) for (const point of series.points) sums.set(point.tSec, (sums.get(point.tSec) ?? 0) + point.value);
  return { name, points: [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([tSec, value]) => ({ tSec, value })) };
}

/** Per bin, the largest and the mean value over clients (3FS's "peak" and "average" per-client curves). */
export function peakAndMean(perClient: readonly Series[], label: string, clientCount: number): Series[] {
  const byTime = new Map<number, number[]>();
  for (const series of perClient) for (const point of series.points) (byTime.get(point.tSec) ?? byTime.set(point.tSec, []).get(point.tSec)!).push(point.value);
  const times = [...byTime.keys()].sort((a, b) => a - b);
  return [
    { name: `peak ${label}`, points: times.map((tSec) => ({ tSec, value: Math.max(...byTime.get(tSec)!) })) },
    { name: `average ${label}`, points: times.map((tSec) => ({ tSec, value: byTime.get(tSec)!.reduce((a, b) => a + b, 0) / clientCount })) },
  ];
}

export function phaseMarkers(phases: readonly PhaseRecord[]): Marker[] {
  return phases.map((phase) => ({ tSec: phase.startSec, label: phase.name }));
}

export function maxValue(series: Series): number {
  return series.points.reduce((max, p) => Math.max(max, p.value), 0);
}

/** Mean over the bins of [fromSec, toSec). */
export function meanValue(series: Series, fromSec = 0, toSec = Number.POSITIVE_INFINITY): number {
  const points = series.points.filter((p) => p.tSec >= fromSec && p.tSec < toSec);
  return points.length === 0 ? 0 : points.reduce((sum, p) => sum + p.value, 0) / points.length;
}

/** The 3FS figure to show beside a chart, when the reference images are at hand. */
export function referenceIfPresent(name: PublishedFigureName): { reference?: ReferenceFigure } {
  const figure = publishedFigure(name);
  return figure ? { reference: figure } : {};
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
