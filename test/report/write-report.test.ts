import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import resvg from '@resvg/resvg-js';
import { isFlyerError } from '../../system/env/errors.ts';
import { lineChart, writeReport, type Report } from '../../system/report/index.ts';
import { PNG_SCALE } from '../../system/report/render-png.ts';
import { pngHeader, svgMarkGroups } from './report-files.ts';
import { SAMPLE_DURATION_SEC, SAMPLE_NODES, sampleReport, writeStandInFigure } from './sample-report.ts';

const root = mkdtempSync(join(tmpdir(), 'flyer-report-test-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));
const reference = writeStandInFigure(root);
const report = sampleReport(reference);
const dir = join(root, 'sample');
// One render shared by the tests that only read it.
const written = writeReport(dir, report);

const CHART_IDS = ['read-throughput', 'server-throughput', 'read-throughput-per-storage-node', 'bytes-moved-per-node'];

test('writes index.html, an SVG and a PNG per chart, the JSON files and one copy of the reference figure', async (t) => {
  const result = await written;
  const expected = [...CHART_IDS.flatMap((id) => [`${id}.svg`, `${id}.png`]), '3fs-stand_in_figure.png', 'series.json', 'report.json', 'index.html'];
  t.deepEqual([...result.files].sort(), [...expected].sort());
  t.deepEqual(readdirSync(dir).sort(), [...expected].sort());
  for (const file of expected) t.true(statSync(join(dir, file)).size > 0, file);
  t.deepEqual(readFileSync(join(dir, '3fs-stand_in_figure.png')), readFileSync(reference));
});

test('each SVG parses and holds the marks of its chart', async (t) => {
  await written;
  const svgs = Object.fromEntries(CHART_IDS.map((id) => [id, readFileSync(join(dir, `${id}.svg`), 'utf8')]));
  for (const [id, svg] of Object.entries(svgs)) {
    // resvg's XML parser is strict: a malformed SVG throws here.
    const parsed = new resvg.Resvg(svg);
    t.true(parsed.width > 700 && parsed.height > 200, `${id}: ${parsed.width}x${parsed.height}`);
    t.false(/id="clip\d+"/.test(svg), `${id}: ids are renamed per chart`);
  }
  const line = svgMarkGroups(svgs['read-throughput']!);
  t.deepEqual(line.map((group) => group.mark), ['line', 'rule', 'text']);
  t.true(line[0]!.pathDataChars > SAMPLE_DURATION_SEC * 5, 'the line has a point per sample');
  t.is(line[1]!.lines, 2, 'one rule per marker');
  t.deepEqual(line[2]!.texts, ['steady', 'drain']);
  t.regex(svgs['read-throughput']!, /Throughput \(GiB\/s\)/);

  const pair = svgMarkGroups(svgs['server-throughput']!);
  t.deepEqual(pair.map((group) => group.mark), ['area', 'area', 'line', 'line']);

  const stacked = svgMarkGroups(svgs['read-throughput-per-storage-node']!);
  t.is(stacked.filter((group) => group.mark === 'area' && group.pathDataChars > 100).length, SAMPLE_NODES);
  for (let node = 1; node <= SAMPLE_NODES; node++) t.true(svgs['read-throughput-per-storage-node']!.includes(`>storage-${node}<`));

  const bars = svgMarkGroups(svgs['bytes-moved-per-node']!);
  t.is(bars.length, 1);
  t.is(bars[0]!.mark, 'rect');
  t.is(bars[0]!.paths, 2 * SAMPLE_NODES);
});

test('each PNG has a valid header, twice the SVG size and non-trivial content', async (t) => {
  await written;
  for (const id of CHART_IDS) {
    const png = readFileSync(join(dir, `${id}.png`));
    const header = pngHeader(png);
    t.true(header.signatureOk, id);
    t.is(header.firstChunk, 'IHDR', id);
    const svg = new resvg.Resvg(readFileSync(join(dir, `${id}.svg`), 'utf8'));
    t.is(header.widthPx, Math.ceil(svg.width * PNG_SCALE), id);
    t.is(header.heightPx, Math.ceil(svg.height * PNG_SCALE), id);
    // A blank white 1600x600 PNG compresses to a few kB; a chart with text and series is far larger.
    t.true(png.length > 20_000, `${id}: ${png.length} bytes`);
  }
});

test('report.json carries the run metadata and summary; series.json every measured point', async (t) => {
  await written;
  const meta = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  t.is(meta.formatVersion, 1);
  t.is(meta.title, report.title);
  t.deepEqual(meta.run, JSON.parse(JSON.stringify(report.run)));
  t.deepEqual(meta.charts.map((chart: { id: string }) => chart.id), CHART_IDS);
  t.deepEqual(meta.charts[0].reference, { file: '3fs-stand_in_figure.png', caption: 'stand-in for the 3FS peak throughput figure' });
  t.is(meta.charts[0].svg, 'read-throughput.svg');
  t.truthy(meta.renderedWith.vega && meta.renderedWith.vegaLite);

  const series = JSON.parse(readFileSync(join(dir, 'series.json'), 'utf8'));
  t.is(series.workload, 'peak-read');
  t.deepEqual(series.charts.map((chart: { id: string }) => chart.id), CHART_IDS);
  const perNode = series.charts[2];
  t.is(perNode.yUnit, 'GiB/s');
  t.is(perNode.series.length, SAMPLE_NODES);
  t.is(perNode.series[0].points.length, SAMPLE_DURATION_SEC);
  t.deepEqual(perNode.series[3].points[100], (report.charts[2]!.data as { series: readonly { points: readonly unknown[] }[] }).series[3]!.points[100]);
  t.is(series.charts[3].bars.length, 2 * SAMPLE_NODES);
});

test('index.html is self-contained: inline SVGs and bundles, no external URL to load, text escaped', async (t) => {
  await written;
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const page = html.slice(0, html.indexOf('<script type="application/json"')); // the bundles hold SVG icons of their own
  t.is((page.match(/<svg /g) ?? []).length, CHART_IDS.length);
  for (const library of ['vega', 'vega-lite', 'vega-embed']) t.true(html.includes(`<script data-library="${library}">`), library);
  t.false(/<script[^>]+src=/.test(html), 'no external scripts');
  t.false(/<link[^>]+href=/.test(html), 'no external stylesheets');
  t.false(html.includes('sourceMappingURL'), 'no source maps to fetch');
  t.true(html.includes('Content-Security-Policy'));
  t.true(html.includes('<h1>Peak read &lt;sample&gt; &amp; &quot;quotes&quot;</h1>'));
  t.false(html.includes('<script>window.injected'), 'notes are escaped');
  t.true(html.includes('src="3fs-stand_in_figure.png"'));
  t.true(html.includes('3FS published'));
});

test('the same report renders to the same bytes (a simulated seed gives a reproducible report)', async (t) => {
  await written;
  const again = join(root, 'again');
  await writeReport(again, sampleReport(reference));
  for (const file of readdirSync(dir)) t.deepEqual(readFileSync(join(again, file)), readFileSync(join(dir, file)), file);
});

test('writing into an existing report folder overwrites it, including a read-only reference copy', async (t) => {
  await written;
  const target = join(root, 'rewrite');
  const small: Report = { ...report, charts: [report.charts[0]!] };
  await writeReport(target, small);
  const result = await writeReport(target, small);
  t.true(result.files.includes('3fs-stand_in_figure.png'));
});

test('invalid reports are rejected before anything is written', async (t) => {
  const chart = lineChart({ title: 'T', yUnit: 'x', series: [{ name: 'a', points: [{ tSec: 0, value: 1 }] }] });
  const cases: [string, Report, string][] = [
    ['missing-reference', { ...report, charts: [{ ...chart, reference: { path: join(root, 'nope.png'), caption: 'c' } }] }, 'REPORT_REFERENCE_MISSING'],
    ['duplicate-ids', { ...report, charts: [chart, chart] }, 'REPORT_INVALID_CHART'],
    ['bad-mode', { ...report, run: { ...report.run, mode: 'cloud' as 'sim' } }, 'REPORT_INVALID_CHART'],
    ['bad-time', { ...report, run: { ...report.run, startTime: 'yesterday' } }, 'REPORT_INVALID_CHART'],
    ['bad-summary', { ...report, run: { ...report.run, summary: { meanGiBPerSec: Number.NaN } } }, 'REPORT_INVALID_CHART'],
    ['not-an-image', { ...report, charts: [{ ...chart, reference: { path: join(root, 'sample', 'report.json'), caption: 'c' } }] }, 'REPORT_INVALID_CHART'],
  ];
  await written;
  for (const [name, bad, code] of cases) {
    const target = join(root, `bad-${name}`);
    const error = await t.throwsAsync(writeReport(target, bad));
    t.true(isFlyerError(error, code as 'REPORT_INVALID_CHART'), `${name}: ${error?.message}`);
    t.false(existsSync(target), `${name}: nothing written`);
  }
});
