import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeReport, type WrittenReport } from '../../report/index.ts';
import type { CompletedRun, WorkloadDefinition, WorkloadReport } from './workload.ts';

export interface RunReportOptions {
  readonly dir: string;
  /** ISO time the run started (a simulated run uses its virtual epoch, so a seed's report is reproducible). */
  readonly startTime: string;
  /** How the cluster is described in the report header. */
  readonly clusterText: string;
}

/** Writes the report folder of a finished run, plus run.json with every phase's outputs; returns the report's checks too. */
export async function writeRunReport<P>(definition: WorkloadDefinition<P>, run: CompletedRun<P>, options: RunReportOptions): Promise<{ written: WrittenReport; report: WorkloadReport }> {
  const report = definition.report(run);
  const parameters: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(run.params as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parameters[key] = value;
  }
  const summary = { ...report.summary, wallSec: Math.round(run.wallSec * 10) / 10, ...(report.problems?.length ? { problems: report.problems.join('; ') } : {}) };
  const written = await writeReport(options.dir, {
    title: `${definition.title} (${run.mode === 'sim' ? `simulated, ${options.clusterText}` : `${run.mode}, ${options.clusterText}`})`,
    run: {
      workload: definition.name, mode: run.mode, spec: options.clusterText, seed: run.seed ?? null, startTime: options.startTime,
      parameters, summary,
    },
    charts: report.charts,
    ...(report.notes ? { notes: report.notes } : {}),
  });
  writeFileSync(join(options.dir, 'run.json'), `${JSON.stringify({ workload: definition.name, mode: run.mode, seed: run.seed ?? null, params: run.params, phases: run.phases, summary }, null, 2)}\n`);
  return { written: { dir: written.dir, files: [...written.files, 'run.json'] }, report };
}
