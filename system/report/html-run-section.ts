/**
 * The top of the report page: what ran (workload, mode, cluster spec, seed, start), its parameters,
 * its summary numbers, the notes, and links to the machine-readable files.
 */
import { escapeHtml } from './html-escape.ts';
import type { Report } from './types.ts';

/** Six significant digits and thousands separators: enough to compare runs, short enough to read. */
export function formatValue(value: string | number | boolean): string {
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: 20 });
}

function keyValueTable(rows: readonly (readonly [string, string | number | boolean])[]): string {
  if (rows.length === 0) return '<p class="subtitle">none</p>';
  const body = rows.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(formatValue(value))}</td></tr>`).join('\n');
  return `<table class="kv">\n${body}\n</table>`;
}

export function runSection(report: Report): string {
  const run = report.run;
  const runRows: [string, string | number | boolean][] = [
    ['workload', run.workload],
    ['mode', run.mode],
    ['cluster spec', run.spec],
    ['seed', run.seed === null ? 'none (real processes)' : run.seed],
    ['start time', run.startTime],
  ];
  const notes = (report.notes ?? []).map((note) => `<p>${escapeHtml(note)}</p>`).join('\n');
  return `<section class="run">
<div class="tables">
<div><h3>Run</h3>
${keyValueTable(runRows)}</div>
<div><h3>Parameters</h3>
${keyValueTable(Object.entries(run.parameters))}</div>
<div><h3>Summary</h3>
${keyValueTable(Object.entries(run.summary))}</div>
</div>
${notes ? `<div class="notes">\n${notes}\n</div>` : ''}
<p class="files">Data: <a href="report.json">report.json</a> (metadata and summary) · <a href="series.json">series.json</a> (measured series)</p>
</section>`;
}
