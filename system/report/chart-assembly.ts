/**
 * The frame every chart kind shares once its data is checked and its layers are built: the Chart
 * record (id, kind, unit, the measured data for series.json, the optional published figure) around a
 * layered Vega-Lite spec in the house size and style. Kept in one place so the three kinds cannot drift
 * apart in what report.json and the rendered figures carry.
 */
import { chartConfig, CHART_HEIGHT_PX, CHART_WIDTH_PX, VEGA_LITE_SCHEMA } from './chart-style.ts';
import type { Chart, ChartData, ChartKind, ReferenceFigure } from './types.ts';
import type { Layer } from './vega-lite-types.ts';

export interface ChartParts {
  /** Already checked (resolveChartId). */
  readonly id: string;
  readonly title: string;
  readonly kind: ChartKind;
  readonly yUnit: string;
  /** The measured data as the workload gave it, for series.json. */
  readonly data: ChartData;
  readonly reference?: ReferenceFigure;
  /** The rows inlined into the spec, in whatever shape the layers read. */
  readonly values: readonly object[];
  readonly layer: Layer[];
  /** Few enough series or groups for the legend to sit inside the plot. */
  readonly legendInside: boolean;
}

export function assembleChart(parts: ChartParts): Chart {
  return {
    id: parts.id,
    title: parts.title,
    kind: parts.kind,
    yUnit: parts.yUnit,
    data: parts.data,
    ...(parts.reference ? { reference: parts.reference } : {}),
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      title: parts.title,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      data: { values: parts.values },
      layer: parts.layer,
      config: chartConfig(parts.legendInside),
    },
  };
}
