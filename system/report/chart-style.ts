/**
 * One look for every Flyer chart, close to the 3FS published figures (matplotlib defaults: wide plot,
 * tab10 colours, dashed light grid, legend inside the top-right corner) so a reader can hold the two
 * side by side without re-learning colours.
 */
import type { Config } from 'vega-lite';

export const CHART_WIDTH_PX = 760;
export const CHART_HEIGHT_PX = 240;
/** Past this many series the legend moves outside the plot: a per-node legend would cover the data. */
export const MAX_INSIDE_LEGEND_SERIES = 4;

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Phase markers are red dashed rules, as in the 3FS GraySort figures. */
export const MARKER_COLOR = '#d62728';

export function chartConfig(legendInside: boolean): Config {
  return {
    background: 'white',
    font: 'sans-serif',
    // matplotlib's tab10, which the 3FS figures use (Vega-Lite's default is tableau10).
    range: { category: { scheme: 'category10' } },
    title: { fontSize: 15, fontWeight: 'normal', anchor: 'middle', offset: 10 },
    axis: { gridDash: [3, 3], gridColor: '#dddddd', labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
    legend: legendInside
      ? { orient: 'top-right', fillColor: 'rgba(255,255,255,0.85)', strokeColor: '#cccccc', padding: 6, cornerRadius: 3, labelFontSize: 11 }
      : { orient: 'right', labelFontSize: 11, labelLimit: 220 },
    // The frame has the grid's colour: a dark frame under the top dashed grid line looked dashed itself.
    view: { stroke: '#dddddd' },
  };
}
