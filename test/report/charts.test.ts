import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import { chartIdFromTitle } from '../../system/report/chart-id.ts';
import { escapeHtml, inlineScriptSource, jsonForScript } from '../../system/report/html-escape.ts';
import { barChart, lineChart, stackedAreaChart, PUBLISHED_FIGURE_NAMES, publishedFigure, publishedFigureDir } from '../../system/report/index.ts';
import { normalizeSvgIds } from '../../system/report/svg-ids.ts';
import { existsSync } from 'node:fs';

const series = [{ name: 'a', points: [{ tSec: 0, value: 1 }, { tSec: 1, value: 2 }] }];

test('lineChart builds a layered Vega-Lite spec from the series (as columns), markers and axis titles', (t) => {
  const chart = lineChart({ title: 'Read Throughput', yTitle: 'Throughput', yUnit: 'GiB/s', series, markers: [{ tSec: 1, label: 'phase 2' }], fill: true });
  t.is(chart.id, 'read-throughput');
  t.is(chart.kind, 'line');
  t.is(chart.yUnit, 'GiB/s');
  const spec = chart.spec as { data: { values: unknown[] }; layer: { mark: { type: string }; encoding: { y?: { title?: string } } }[] };
  t.deepEqual(spec.data.values, [{ series: 'a', seriesIndex: 0, tSec: [0, 1], value: [1, 2] }]);
  t.deepEqual(spec.layer.map((layer) => layer.mark.type), ['area', 'line', 'rule', 'text']);
  t.is(spec.layer[1]?.encoding.y?.title, 'Throughput (GiB/s)');
  t.deepEqual(chart.data, { series });
});

test('stackedAreaChart stacks in the order given, not alphabetically', (t) => {
  const chart = stackedAreaChart({ title: 'Per node', yUnit: 'GiB/s', series: [{ name: 'z', points: [{ tSec: 0, value: 1 }] }, { name: 'a', points: [{ tSec: 0, value: 2 }] }] });
  const spec = chart.spec as { data: { values: { series: string; seriesIndex: number }[] }; layer: { encoding?: { order?: { field: string } } }[] };
  t.deepEqual(spec.data.values.map((row) => [row.series, row.seriesIndex]), [['z', 0], ['a', 1]]);
  t.is(spec.layer[0]?.encoding?.order?.field, 'seriesIndex');
});

test('barChart groups bars side by side when they carry a group', (t) => {
  const grouped = barChart({ title: 'Bytes', yUnit: 'GiB', bars: [{ name: 'n1', group: 'read', value: 1 }, { name: 'n1', group: 'write', value: 2 }] });
  const encoding = (grouped.spec as { layer: { encoding: Record<string, unknown> }[] }).layer[0]?.encoding ?? {};
  t.truthy(encoding.xOffset);
  const plain = barChart({ title: 'Bytes', yUnit: 'GiB', bars: [{ name: 'n1', value: 1 }] });
  t.falsy((plain.spec as { layer: { encoding: Record<string, unknown> }[] }).layer[0]?.encoding.xOffset);
});

test('bad series are rejected with REPORT_INVALID_SERIES naming the chart', (t) => {
  const nan = t.throws(() => lineChart({ title: 'T', yUnit: 'x', series: [{ name: 'a', points: [{ tSec: 0, value: Number.NaN }] }] }));
  t.true(isFlyerError(nan, 'REPORT_INVALID_SERIES'));
  t.regex(nan?.message ?? '', /chart 'T'.*series 'a' point 0/);
  const twice = t.throws(() => lineChart({ title: 'T', yUnit: 'x', series: [series[0]!, series[0]!] }));
  t.true(isFlyerError(twice, 'REPORT_INVALID_SERIES'));
  t.true(isFlyerError(t.throws(() => lineChart({ title: 'T', yUnit: 'x', series: [] })), 'REPORT_INVALID_SERIES'));
  t.true(isFlyerError(t.throws(() => barChart({ title: 'T', yUnit: 'x', bars: [{ name: 'n', value: Infinity }] })), 'REPORT_INVALID_SERIES'));
  t.true(isFlyerError(t.throws(() => lineChart({ title: 'T', yUnit: 'x', series, markers: [{ tSec: Number.NaN, label: 'm' }] })), 'REPORT_INVALID_SERIES'));
});

test('chart ids are slugs of the title, and bad or reserved ids are rejected', (t) => {
  t.is(chartIdFromTitle('Read Throughput (per node) — GiB/s'), 'read-throughput-per-node-gib-s');
  t.is(chartIdFromTitle('!!!'), 'chart');
  t.true(isFlyerError(t.throws(() => lineChart({ id: '../etc', title: 'T', yUnit: 'x', series })), 'REPORT_INVALID_CHART'));
  t.true(isFlyerError(t.throws(() => lineChart({ id: 'index', title: 'T', yUnit: 'x', series })), 'REPORT_INVALID_CHART'));
});

test('normalizeSvgIds renames ids and their references in order, so output does not depend on render history', (t) => {
  const svg = '<svg><clipPath id="clip17"><rect/></clipPath><g clip-path="url(#clip17)"/><use href="#clip18"/><clipPath id="clip18"/></svg>';
  t.is(normalizeSvgIds(svg, 'c'), '<svg><clipPath id="c-1"><rect/></clipPath><g clip-path="url(#c-1)"/><use href="#c-2"/><clipPath id="c-2"/></svg>');
  t.is(normalizeSvgIds('<svg><g/></svg>', 'c'), '<svg><g/></svg>');
});

test('escaping keeps text, JSON and inlined scripts from ending their element', (t) => {
  t.is(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const value = { text: '</script><!-- \u2028 & >' };
  const json = jsonForScript(value);
  t.false(json.includes('<'));
  t.deepEqual(JSON.parse(json), value);
  const script = inlineScriptSource('var a = "</script>"; var b = /<!--/;\n//# sourceMappingURL=x.min.js.map\n');
  t.false(/<\/script|<!--|sourceMappingURL/i.test(script));
  // The rewritten source still means the same: the string reads back, the pattern still matches.
  t.deepEqual(new Function(`${script}; return [a, b.test('<!--')];`)(), ['</script>', true]);
});

test('the 3FS published figures resolve from the shared reference folder when it is present', (t) => {
  t.deepEqual(PUBLISHED_FIGURE_NAMES, ['peak-throughput', 'graysort-server', 'graysort-client', 'kvcache-read-throughput', 'kvcache-gc-iops']);
  t.is(publishedFigure('peak-throughput', '/nonexistent'), undefined);
  if (!existsSync(publishedFigureDir())) {
    t.log(`no shared reference folder at ${publishedFigureDir()}; only the absent case was checked`);
    return;
  }
  for (const name of PUBLISHED_FIGURE_NAMES) {
    const figure = publishedFigure(name);
    t.truthy(figure, name);
    t.true(existsSync(figure!.path), name);
    t.true(figure!.caption.length > 20, name);
  }
});
