/**
 * Per-node contributions stacked to the cluster total, e.g. read throughput of each storage node: the
 * top edge is the aggregate, the bands show whether load is balanced. Stacking adds values sampled at
 * the same tSec, so every series should come from the same sampling clock.
 */
import { pickedOpacity, seriesColor, SERIES_FLATTEN, timeParams, timeX, valueY } from './time-chart-parts.ts';
import { timeChart, type TimeChartInput } from './time-chart.ts';
import type { Chart, Series } from './types.ts';

export interface StackedAreaChartInput extends TimeChartInput {
  /** One series per node (or client); the stack follows this order from the bottom up. */
  readonly series: readonly Series[];
}

export function stackedAreaChart(input: StackedAreaChartInput): Chart {
  return timeChart('stacked-area', input, () => [
    {
      transform: SERIES_FLATTEN,
      params: timeParams(),
      mark: { type: 'area', interpolate: 'linear', clip: true },
      encoding: {
        x: timeX(input),
        y: valueY(input, 'zero'),
        color: seriesColor(input.series),
        // The series' input position, so the stack follows the input order, not the alphabet.
        order: { field: 'seriesIndex', type: 'quantitative' },
        opacity: pickedOpacity(0.2),
      },
    },
  ]);
}
