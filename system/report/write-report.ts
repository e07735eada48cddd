/**
 * Writes a workload report folder: index.html (self-contained, opens offline), <chart>.svg and
 * <chart>.png per chart, the copied 3FS reference figures, series.json and report.json. Everything is
 * checked first, so invalid input writes nothing; output depends only on the input, so the report of a
 * simulated seed is byte-for-byte reproducible.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportPage, type RenderedChart } from './html-page.ts';
import { copyReferenceFigures } from './reference-files.ts';
import { normalizeSvgIds } from './svg-ids.ts';
import type { Report, WrittenReport } from './types.ts';
import { checkReport } from './validate-report.ts';

export async function writeReport(dir: string, report: Report): Promise<WrittenReport> {
  checkReport(report);
  // Vega, Vega-Lite and resvg load only here: everything that builds charts (every workload client
  // process, through the workload definitions) imports this library, and the renderers would be most of
  // those processes' JavaScript heap, which each full garbage collection marks again.
  const [{ svgToPng }, { renderSvg }, { reportJson, seriesJson }] = await Promise.all([
    import('./render-png.ts'), import('./render-svg.ts'), import('./report-json.ts'),
  ]);
  // Render before touching the folder: a chart that fails to render must not leave a partial report.
  const images: { id: string; svg: string; png: Buffer }[] = [];
  for (const chart of report.charts) {
    const svg = normalizeSvgIds(await renderSvg(chart.id, chart.spec), chart.id);
    images.push({ id: chart.id, svg, png: svgToPng(chart.id, svg) });
  }

  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, content: string | Buffer): void => {
    writeFileSync(join(dir, name), content);
    files.push(name);
  };
  for (const image of images) {
    write(`${image.id}.svg`, image.svg);
    write(`${image.id}.png`, image.png);
  }
  const referenceFiles = copyReferenceFigures(dir, report.charts);
  files.push(...new Set(referenceFiles.values()));
  write('series.json', `${JSON.stringify(seriesJson(report))}\n`);
  write('report.json', `${JSON.stringify(reportJson(report, referenceFiles), null, 2)}\n`);
  const rendered: RenderedChart[] = report.charts.map((chart, index) => ({
    chart,
    svg: (images[index] as { svg: string }).svg,
    referenceFile: referenceFiles.get(chart.id),
  }));
  write('index.html', reportPage(report, rendered));
  return { dir, files };
}
