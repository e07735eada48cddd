/**
 * Bars for totals that are not time series, e.g. bytes read per node, or phase durations. Bars that
 * carry a `group` are drawn side by side within their name (read and write per node).
 */
import { assembleChart } from './chart-assembly.ts';
import { resolveChartId } from './chart-id.ts';
import type { Bar, Chart, ReferenceFigure } from './types.ts';
import { checkBars } from './validate-data.ts';
import type { Encoding } from './vega-lite-types.ts';

export interface BarChartInput {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly yUnit: string;
  readonly yTitle?: string;
  readonly xTitle?: string;
  readonly id?: string;
  readonly reference?: ReferenceFigure;
}

export function barChart(input: BarChartInput): Chart {
  const id = resolveChartId(input.title, input.id);
  checkBars(input.title, input.bars);

  const names = [...new Set(input.bars.map((bar) => bar.name))];
  const groups = [...new Set(input.bars.flatMap((bar) => (bar.group === undefined ? [] : [bar.group])))];
  const grouped = groups.length > 0;
  const rows = input.bars.map((bar) => ({ name: bar.name, value: bar.value, group: bar.group ?? '' }));
  const yTitle = input.yTitle ? `${input.yTitle} (${input.yUnit})` : input.yUnit;
  const encoding: Encoding = {
    x: { field: 'name', type: 'nominal', sort: names, title: input.xTitle ?? null, axis: { labelAngle: names.length > 12 ? -45 : 0 } },
    y: { field: 'value', type: 'quantitative', title: yTitle },
    tooltip: [
      { field: 'name', type: 'nominal', title: input.xTitle ?? 'name' },
      ...(grouped ? [{ field: 'group', type: 'nominal' as const }] : []),
      { field: 'value', type: 'quantitative', title: yTitle, format: ',.4~g' },
    ],
    ...(grouped
      ? {
          color: { field: 'group', type: 'nominal', title: null, sort: groups },
          xOffset: { field: 'group', type: 'nominal', sort: groups },
        }
      : {}),
  };

  return assembleChart({
    id,
    title: input.title,
    kind: 'bar',
    yUnit: input.yUnit,
    data: { bars: input.bars },
    reference: input.reference,
    values: rows,
    layer: [{ mark: { type: 'bar' }, encoding }],
    legendInside: groups.length <= 4,
  });
}
