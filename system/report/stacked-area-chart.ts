/**
 * Per-node contributions stacked to the cluster total, e.g. read throughput of each storage node: the
 * top edge is the aggregate, the bands show whether load is balanced. Stacking adds values sampled at
 * the same tSec, so every series should come from the same sampling clock.
 */
import { chartConfig, CHART_HEIGHT_PX, CHART_WIDTH_PX, MAX_INSIDE_LEGEND_SERIES, VEGA_LITE_SCHEMA } from './chart-style.ts';
import { checkChartId, chartIdFromTitle } from './chart-id.ts';
import { markerLayers, pickedOpacity, seriesColor, seriesColumns, SERIES_FLATTEN, timeParams, timeX, valueY, type TimeAxes } from './time-chart-parts.ts';
import type { Chart, Marker, ReferenceFigure, Series } from './types.ts';
import { checkMarkers, checkSeries } from './validate-data.ts';

export interface StackedAreaChartInput extends TimeAxes {
  readonly title: string;
  /** One series per node (or client); the stack follows this order from the bottom up. */
  readonly series: readonly Series[];
  readonly id?: string;
  readonly markers?: readonly Marker[];
  readonly reference?: ReferenceFigure;
}

export function stackedAreaChart(input: StackedAreaChartInput): Chart {
  const id = input.id ?? chartIdFromTitle(input.title);
  checkChartId(id);
  checkSeries(input.title, input.series);
  const markers = input.markers ?? [];
  checkMarkers(input.title, markers);


  return {
    id,
    title: input.title,
    kind: 'stacked-area',
    yUnit: input.yUnit,
    data: { series: input.series },
    ...(input.reference ? { reference: input.reference } : {}),
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      title: input.title,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      data: { values: seriesColumns(input.series) },
      layer: [
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
        ...markerLayers(markers),
      ],
      config: chartConfig(input.series.length <= MAX_INSIDE_LEGEND_SERIES),
    },
  };
}
