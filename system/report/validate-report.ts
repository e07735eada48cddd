/**
 * Checks a whole report before anything is written, so a bad report leaves no half-written folder:
 * required metadata, printable parameter values, unique chart ids and reference files that exist.
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { FlyerError } from '../env/errors.ts';
import { checkChartId } from './chart-id.ts';
import { IMAGE_EXTENSIONS } from './reference-files.ts';
import type { Report } from './types.ts';

const MODES = new Set(['sim', 'local', 'hosts']);

function invalid(detail: string): never {
  throw new FlyerError('REPORT_INVALID_CHART', detail);
}

function checkValues(what: string, values: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(values)) {
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) invalid(`${what} '${key}' must be a string, a boolean or a finite number, not ${String(value)}`);
  }
}

export function checkReport(report: Report): void {
  if (typeof report.title !== 'string' || report.title.trim() === '') invalid('report title is empty');
  const run = report.run;
  if (typeof run.workload !== 'string' || run.workload === '') invalid('run.workload is empty');
  if (!MODES.has(run.mode)) invalid(`run.mode '${String(run.mode)}' is not sim, local or hosts`);
  if (typeof run.spec !== 'string') invalid('run.spec must be a string');
  if (run.seed !== null && !Number.isSafeInteger(run.seed)) invalid(`run.seed ${String(run.seed)} is not an integer or null`);
  if (typeof run.startTime !== 'string' || Number.isNaN(Date.parse(run.startTime))) invalid(`run.startTime '${String(run.startTime)}' is not an ISO 8601 time`);
  checkValues('parameter', run.parameters);
  checkValues('summary', run.summary);

  const ids = new Set<string>();
  for (const chart of report.charts) {
    checkChartId(chart.id);
    if (ids.has(chart.id)) invalid(`two charts have the id '${chart.id}'`);
    ids.add(chart.id);
    if (chart.reference) {
      const path = chart.reference.path;
      if (!IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) invalid(`chart '${chart.id}': reference ${path} is not a PNG, JPEG, SVG, GIF or WebP image`);
      if (!existsSync(path)) throw new FlyerError('REPORT_REFERENCE_MISSING', `chart '${chart.id}': ${path}`);
    }
  }
}
