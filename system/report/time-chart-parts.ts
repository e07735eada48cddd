/**
 * The pieces line and stacked-area charts share: data rows, the time and value axes, per-series
 * colour with a click-to-highlight legend, x zoom, and phase-marker layers.
 */
import { MARKER_COLOR } from './chart-style.ts';
import type { Marker, Series } from './types.ts';
import type { Encoding, Layer, Params } from './vega-lite-types.ts';

/**
 * One data object per series, its samples as two parallel arrays; each series layer flattens them
 * back into one row per sample (SERIES_FLATTEN). Row objects would repeat the field names and series
 * name per sample, doubling the inlined spec of a 25-node, 30-minute run (45,000 samples per chart).
 */
export interface SeriesColumns {
  readonly series: string;
  /** Position in the input, for the stacking order. */
  readonly seriesIndex: number;
  readonly tSec: number[];
  readonly value: number[];
}

export const SERIES_FLATTEN = [{ flatten: ['tSec', 'value'] }];

export interface TimeAxes {
  readonly yUnit: string;
  /** Quantity on the y axis, e.g. 'Throughput'; the axis title becomes 'Throughput (GiB/s)'. */
  readonly yTitle?: string;
  readonly xTitle?: string;
}

/** 7 significant digits are far below a pixel; series.json keeps the full values. */
function forDisplay(value: number): number {
  return Number(value.toPrecision(7));
}

export function seriesColumns(series: readonly Series[]): SeriesColumns[] {
  return series.map((one, seriesIndex) => ({
    series: one.name,
    seriesIndex,
    tSec: one.points.map((point) => forDisplay(point.tSec)),
    value: one.points.map((point) => forDisplay(point.value)),
  }));
}

export function timeX(axes: TimeAxes): Encoding['x'] {
  // About eight time ticks, as in the 3FS figures; Vega's default (one per ~40 px) grids the plot densely.
  return { field: 'tSec', type: 'quantitative', title: axes.xTitle ?? 'time (s)', scale: { nice: false }, axis: { tickCount: 8 } };
}

/** `zero: false` fits the axis to the data, as 3FS's peak figure does (6.0-7.0 TiB/s). */
export function valueY(axes: TimeAxes, stack: 'zero' | null, zero = true): Encoding['y'] {
  const title = axes.yTitle ? `${axes.yTitle} (${axes.yUnit})` : axes.yUnit;
  return { field: 'value', type: 'quantitative', title, stack, scale: { zero } };
}

/** Colour by series in the order given, so the legend follows the workload's order (node 1..N). */
export function seriesColor(series: readonly Series[]): Encoding['color'] {
  return { field: 'series', type: 'nominal', title: null, sort: series.map((one) => one.name) };
}

const LEGEND_PICK_PARAM = 'legendPick';

/** Interactive view only: click a legend entry to fade the other series; drag or wheel to zoom time. */
export function timeParams(): Params {
  return [
    { name: LEGEND_PICK_PARAM, select: { type: 'point', fields: ['series'] }, bind: 'legend' },
    { name: 'timeZoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' },
  ];
}

/** Full opacity for the picked series (all of them while nothing is picked), `faded` for the rest. */
export function pickedOpacity(faded: number): Encoding['opacity'] {
  return { condition: { param: LEGEND_PICK_PARAM, value: 1, empty: true }, value: faded };
}

/** A dashed red rule per marker, with its label at the top of the plot. */
export function markerLayers(markers: readonly Marker[]): Layer[] {
  if (markers.length === 0) return [];
  const data = { values: markers.map((marker) => ({ tSec: marker.tSec, label: marker.label })) };
  return [
    {
      data,
      mark: { type: 'rule', color: MARKER_COLOR, strokeDash: [6, 4], strokeWidth: 1.5, opacity: 0.75, clip: true },
      encoding: { x: { field: 'tSec', type: 'quantitative' } },
    },
    {
      data,
      mark: { type: 'text', color: MARKER_COLOR, align: 'left', baseline: 'top', dx: 3, dy: 3, fontSize: 10, y: 0, clip: true },
      encoding: { x: { field: 'tSec', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
    },
  ];
}
