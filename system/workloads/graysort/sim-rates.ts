import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Per-core rates of our native GraySort tools, as `npm run bench -- graysort` last measured them on
 * this machine (reports/bench/graysort.json, `simCpuRates`: input bytes per CPU second). The simulated
 * GraySort charges its compute stages at these rates. Without a report the built-in values below are
 * used: they were measured the same way on the project's 2-core development machine.
 */
export interface SimCpuRates {
  readonly gensortBytesPerCoreSec: number;
  readonly partitionBytesPerCoreSec: number;
  readonly sortBytesPerCoreSec: number;
  readonly source: string;
}

const BUILT_IN: SimCpuRates = {
  gensortBytesPerCoreSec: 400e6,
  partitionBytesPerCoreSec: 900e6,
  sortBytesPerCoreSec: 350e6,
  source: 'built-in defaults',
};

const REPORT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'reports', 'bench', 'graysort.json');

export function simCpuRates(): SimCpuRates {
  if (!existsSync(REPORT)) return BUILT_IN;
  try {
    const report = JSON.parse(readFileSync(REPORT, 'utf8')) as { date?: string; simCpuRates?: Partial<SimCpuRates> | null };
    const rates = report.simCpuRates;
    if (!rates || !(rates.sortBytesPerCoreSec! > 0) || !(rates.partitionBytesPerCoreSec! > 0) || !(rates.gensortBytesPerCoreSec! > 0)) return BUILT_IN;
    return {
      gensortBytesPerCoreSec: rates.gensortBytesPerCoreSec!, partitionBytesPerCoreSec: rates.partitionBytesPerCoreSec!, sortBytesPerCoreSec: rates.sortBytesPerCoreSec!,
      source: `reports/bench/graysort.json (${report.date ?? 'undated'})`,
    };
  } catch {
    return BUILT_IN;
  }
}
