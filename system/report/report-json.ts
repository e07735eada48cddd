/**
 * The two machine-readable files of a report: report.json (what ran, the summary, which file holds
 * which chart) and series.json (every measured number behind the charts, with its unit), so a later
 * comparison never has to scrape the HTML or re-run the workload.
 */
import { version as vegaVersion } from 'vega';
import { version as vegaLiteVersion } from 'vega-lite';
import type { Report } from './types.ts';

/** Bumped when either file's shape changes incompatibly. */
export const REPORT_FORMAT_VERSION = 1;

export function reportJson(report: Report, referenceFiles: ReadonlyMap<string, string>): unknown {
  return {
    formatVersion: REPORT_FORMAT_VERSION,
    title: report.title,
    run: report.run,
    notes: report.notes ?? [],
    charts: report.charts.map((chart) => ({
      id: chart.id,
      title: chart.title,
      kind: chart.kind,
      yUnit: chart.yUnit,
      svg: `${chart.id}.svg`,
      png: `${chart.id}.png`,
      ...(chart.reference ? { reference: { file: referenceFiles.get(chart.id), caption: chart.reference.caption } } : {}),
    })),
    renderedWith: { vega: vegaVersion, vegaLite: vegaLiteVersion },
  };
}

export function seriesJson(report: Report): unknown {
  return {
    formatVersion: REPORT_FORMAT_VERSION,
    workload: report.run.workload,
    charts: report.charts.map((chart) => ({ id: chart.id, title: chart.title, kind: chart.kind, yUnit: chart.yUnit, ...chart.data })),
  };
}
