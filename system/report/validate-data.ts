/**
 * Checks measured data before it reaches a chart. JSON turns NaN and Infinity into null, and Vega then
 * silently drops or misplaces the point, so a bad sample must fail loudly at the workload that made it.
 */
import { FlyerError } from '../env/errors.ts';
import type { Bar, Marker, Series } from './types.ts';

function fail(chartTitle: string, detail: string): never {
  throw new FlyerError('REPORT_INVALID_SERIES', `chart '${chartTitle}': ${detail}`);
}

export function checkSeries(chartTitle: string, series: readonly Series[]): void {
  if (series.length === 0) fail(chartTitle, 'no series');
  const names = new Set<string>();
  for (const one of series) {
    if (typeof one.name !== 'string' || one.name.length === 0) fail(chartTitle, 'a series has an empty name');
    if (names.has(one.name)) fail(chartTitle, `two series are named '${one.name}'`);
    names.add(one.name);
    one.points.forEach((point, index) => {
      if (!Number.isFinite(point.tSec) || !Number.isFinite(point.value)) {
        fail(chartTitle, `series '${one.name}' point ${index} is not finite (tSec=${point.tSec}, value=${point.value})`);
      }
    });
  }
}

export function checkBars(chartTitle: string, bars: readonly Bar[]): void {
  if (bars.length === 0) fail(chartTitle, 'no bars');
  const keys = new Set<string>();
  for (const bar of bars) {
    if (typeof bar.name !== 'string' || bar.name.length === 0) fail(chartTitle, 'a bar has an empty name');
    if (!Number.isFinite(bar.value)) fail(chartTitle, `bar '${bar.name}' is not finite (${bar.value})`);
    // A repeated name+group would draw two bars on top of each other, hiding one.
    const key = `${bar.name}\u0000${bar.group ?? ''}`;
    if (keys.has(key)) fail(chartTitle, `bar '${bar.name}'${bar.group ? ` in group '${bar.group}'` : ''} appears twice`);
    keys.add(key);
  }
}

export function checkMarkers(chartTitle: string, markers: readonly Marker[]): void {
  for (const marker of markers) {
    if (!Number.isFinite(marker.tSec)) fail(chartTitle, `marker '${marker.label}' has a non-finite tSec`);
  }
}
