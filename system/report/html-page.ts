/**
 * The whole report page as one self-contained HTML file: metadata, pre-rendered SVG charts, and the
 * vega, vega-lite and vega-embed bundles inlined so the interactive views work offline. The security
 * policy forbids every network fetch, so a page that tried one fails loudly instead of quietly
 * depending on the network.
 */
import { browserBundles } from './browser-bundles.ts';
import { chartSection } from './html-chart-section.ts';
import { escapeHtml, jsonForScript } from './html-escape.ts';
import { runSection } from './html-run-section.ts';
import { REPORT_CSS } from './html-style.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import type { Chart, Report } from './types.ts';

/**
 * Vega compiles expressions with `new Function` ('unsafe-eval'); vega-embed injects its stylesheet
 * ('unsafe-inline' styles); images are the copied 3FS figures (file: or the serving origin) and the
 * data: / blob: URLs of the export menu. Nothing else may load.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src 'self' file: data: blob:";

export interface RenderedChart {
  readonly chart: Chart;
  readonly svg: string;
  readonly referenceFile: string | undefined;
}

export function reportPage(report: Report, charts: readonly RenderedChart[]): string {
  const run = report.run;
  const subtitle = [run.workload, run.mode, run.seed === null ? '' : `seed ${run.seed}`, run.startTime].filter((part) => part !== '').join(' · ');
  const nav = charts.length > 1
    ? `<nav><ul>\n${charts.map(({ chart }) => `<li><a href="#chart-${escapeHtml(chart.id)}">${escapeHtml(chart.title)}</a></li>`).join('\n')}\n</ul></nav>`
    : '';
  const specs = jsonForScript(charts.map(({ chart }) => ({ id: chart.id, spec: chart.spec })));
  const bundles = browserBundles()
    .scripts.map((script) => `<script data-library="${escapeHtml(script.name)}">\n${script.source}\n</script>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CONTENT_SECURITY_POLICY)}">
<title>${escapeHtml(report.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(report.title)}</h1>
<p class="subtitle">${escapeHtml(subtitle)}</p>
</header>
${runSection(report)}
${nav}
${charts.map(({ chart, svg, referenceFile }) => chartSection(chart, svg, referenceFile)).join('\n')}
<script type="application/json" id="flyer-charts">${specs}</script>
${bundles}
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
