/**
 * Chart ids become file names (`<id>.svg`) and HTML anchors, so they are restricted to a portable,
 * URL-safe alphabet, and must not collide with the report's own files.
 */
import { FlyerError } from '../env/errors.ts';

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Stems of files writeReport writes itself (index.html, series.json, report.json). */
const RESERVED_IDS = new Set(['index', 'series', 'report']);

/** 'Read Throughput (per node)' -> 'read-throughput-per-node'. */
export function chartIdFromTitle(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug.length > 0 ? slug : 'chart';
}

export function checkChartId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new FlyerError('REPORT_INVALID_CHART', `chart id '${id}' must be 1-64 of a-z, 0-9 and '-', starting with a letter or digit`);
  }
  if (RESERVED_IDS.has(id)) throw new FlyerError('REPORT_INVALID_CHART', `chart id '${id}' is reserved for the report's own files`);
}

/** The id a chart builder uses: the one given, else the title as a slug; checked either way. */
export function resolveChartId(title: string, id: string | undefined): string {
  const resolved = id ?? chartIdFromTitle(title);
  checkChartId(resolved);
  return resolved;
}
