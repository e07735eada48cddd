/**
 * Copies each chart's reference figure into the report folder (so the page shows it offline and the
 * folder can be moved or archived whole), once per source file, under a name that says whose it is.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Chart } from './types.ts';

/** What a browser shows in an <img>; checked by validate-report before anything is written. */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.svg', '.gif', '.webp']);

/** Chart id -> file name of its copied reference figure, for charts that have one. */
export function copyReferenceFigures(dir: string, charts: readonly Chart[]): Map<string, string> {
  const nameBySource = new Map<string, string>();
  const taken = new Set<string>();
  const byChart = new Map<string, string>();
  for (const chart of charts) {
    if (!chart.reference) continue;
    const source = chart.reference.path;
    let name = nameBySource.get(source);
    if (name === undefined) {
      const plain = `3fs-${basename(source)}`;
      name = taken.has(plain) ? `3fs-${chart.id}-${basename(source)}` : plain;
      // Content, not a copyFileSync: that keeps the source's mode, and the shared figures are read-only,
      // so a second report into the same folder could not overwrite its own copy.
      const target = join(dir, name);
      rmSync(target, { force: true });
      writeFileSync(target, readFileSync(source));
      nameBySource.set(source, name);
      taken.add(name);
    }
    byChart.set(chart.id, name);
  }
  return byChart;
}
