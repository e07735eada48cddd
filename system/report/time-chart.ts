/**
 * What line and stacked-area charts share around their series layers: the checks on the input (id,
 * finite samples, finite markers), the series inlined as columns, the phase markers drawn on top, and
 * the legend inside the plot while there are few series. Each kind supplies only its series layers.
 */
import { assembleChart } from './chart-assembly.ts';
import { resolveChartId } from './chart-id.ts';
import { MAX_INSIDE_LEGEND_SERIES } from './chart-style.ts';
import { markerLayers, seriesColumns, type TimeAxes } from './time-chart-parts.ts';
import type { Chart, Marker, ReferenceFigure, Series } from './types.ts';
import { checkMarkers, checkSeries } from './validate-data.ts';
import type { Layer } from './vega-lite-types.ts';

export interface TimeChartInput extends TimeAxes {
  readonly title: string;
  readonly series: readonly Series[];
  /** Defaults to the title as a slug. */
  readonly id?: string;
  readonly markers?: readonly Marker[];
  readonly reference?: ReferenceFigure;
}

/** `seriesLayers` runs only once the input has passed its checks. */
export function timeChart(kind: 'line' | 'stacked-area', input: TimeChartInput, seriesLayers: () => Layer[]): Chart {
  const id = resolveChartId(input.title, input.id);
  checkSeries(input.title, input.series);
  const markers = input.markers ?? [];
  checkMarkers(input.title, markers);
  return assembleChart({
    id,
    title: input.title,
    kind,
    yUnit: input.yUnit,
    data: { series: input.series },
    reference: input.reference,
    values: seriesColumns(input.series),
    layer: [...seriesLayers(), ...markerLayers(markers)],
    legendInside: input.series.length <= MAX_INSIDE_LEGEND_SERIES,
  });
}
