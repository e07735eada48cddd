/**
 * Workload reports: build charts from measured series, then write them as a report folder.
 *
 *   const chart = lineChart({ title: 'Read throughput', yTitle: 'Throughput', yUnit: 'GiB/s', series,
 *     reference: publishedFigure('peak-throughput') });
 *   await writeReport('reports/peak-read/run-1', { title, run, charts: [chart] });
 */
export { barChart, type BarChartInput } from './bar-chart.ts';
export { lineChart, type LineChartInput } from './line-chart.ts';
export { publishedFigure, publishedFigureDir, PUBLISHED_FIGURE_NAMES, type PublishedFigureName } from './published-figures.ts';
export { stackedAreaChart, type StackedAreaChartInput } from './stacked-area-chart.ts';
export type { Bar, Chart, ChartData, ChartKind, Marker, Point, ReferenceFigure, Report, RunInfo, RunMode, Series, WrittenReport } from './types.ts';
export { writeReport } from './write-report.ts';
