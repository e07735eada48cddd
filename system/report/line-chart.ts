/**
 * Time series as lines, e.g. aggregate read throughput (3FS "Read Throughput") or per-client average
 * and peak read (3FS "KVCache Read Throughput"). `fill` shades under each line, as 3FS's GraySort
 * server figure does, without stacking.
 */
import { chartConfig, CHART_HEIGHT_PX, CHART_WIDTH_PX, MAX_INSIDE_LEGEND_SERIES, VEGA_LITE_SCHEMA } from './chart-style.ts';
import { checkChartId, chartIdFromTitle } from './chart-id.ts';
import { markerLayers, pickedOpacity, seriesColor, seriesColumns, SERIES_FLATTEN, timeParams, timeX, valueY, type TimeAxes } from './time-chart-parts.ts';
import type { Chart, Marker, ReferenceFigure, Series } from './types.ts';
import { checkMarkers, checkSeries } from './validate-data.ts';
import type { Layer } from './vega-lite-types.ts';

export interface LineChartInput extends TimeAxes {
  readonly title: string;
  readonly series: readonly Series[];
  /** Defaults to the title as a slug. */
  readonly id?: string;
  readonly markers?: readonly Marker[];
  readonly fill?: boolean;
  /** Start the value axis at zero (the default); false zooms onto the data's range. */
  readonly yZero?: boolean;
  readonly reference?: ReferenceFigure;
}

export function lineChart(input: LineChartInput): Chart {
  const id = input.id ?? chartIdFromTitle(input.title);
  checkChartId(id);
  checkSeries(input.title, input.series);
  const markers = input.markers ?? [];
  checkMarkers(input.title, markers);

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
  layers.push(...markerLayers(markers));

  return {
    id,
    title: input.title,
    kind: 'line',
    yUnit: input.yUnit,
    data: { series: input.series },
    ...(input.reference ? { reference: input.reference } : {}),
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      title: input.title,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      data: { values: seriesColumns(input.series) },
      layer: layers,
      config: chartConfig(input.series.length <= MAX_INSIDE_LEGEND_SERIES),
    },
  };
}
