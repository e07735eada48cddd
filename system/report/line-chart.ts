/**
 * Time series as lines, e.g. aggregate read throughput (3FS "Read Throughput") or per-client average
 * and peak read (3FS "KVCache Read Throughput"). `fill` shades under each line, as 3FS's GraySort
 * server figure does, without stacking.
 */
import { pickedOpacity, seriesColor, SERIES_FLATTEN, timeParams, timeX, valueY } from './time-chart-parts.ts';
import { timeChart, type TimeChartInput } from './time-chart.ts';
import type { Chart } from './types.ts';
import type { Layer } from './vega-lite-types.ts';

export interface LineChartInput extends TimeChartInput {
  readonly fill?: boolean;
  /** Start the value axis at zero (the default); false zooms onto the data's range. */
  readonly yZero?: boolean;
}

export function lineChart(input: LineChartInput): Chart {
  return timeChart('line', input, () => {
    const x = timeX(input);
    const y = valueY(input, null, input.yZero ?? true);
    const color = seriesColor(input.series);
    const layers: Layer[] = [];
    if (input.fill) {
      layers.push({ transform: SERIES_FLATTEN, mark: { type: 'area', opacity: 0.18, interpolate: 'linear', clip: true }, encoding: { x, y, color } });
    }
    layers.push({
      transform: SERIES_FLATTEN,
      params: timeParams(),
      mark: { type: 'line', strokeWidth: 1.5, interpolate: 'linear', clip: true },
      encoding: { x, y, color, opacity: pickedOpacity(0.15) },
    });
    return layers;
  });
}
