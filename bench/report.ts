import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

export const benchReportDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'reports', 'bench');

/** Writes reports/bench/NAME.json with the machine it ran on, and returns the path. */
export function writeBenchReport(name: string, results: Record<string, unknown>): string {
  mkdirSync(benchReportDir, { recursive: true });
  const path = join(benchReportDir, `${name}.json`);
  const report = {
    benchmark: name,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryBytes: os.totalmem(), node: process.version },
    ...results,
  };
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
