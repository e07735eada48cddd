import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runWorkloadInSimulation } from '../../sim/workload/run-workload-sim.ts';
import { graySortWorkload } from '../../system/workloads/graysort/graysort.ts';
import { peakReadWorkload } from '../../system/workloads/peak-read/peak-read.ts';
import { writeRunReport } from '../../system/workloads/framework/write-run-report.ts';
import { loadClusterSpec } from '../../system/workloads/spec/cluster-spec.ts';

test('GraySort in simulation: every phase runs, record counts add up, and the run is deterministic', async (t) => {
  const spec = loadClusterSpec('specs/graysort-small.toml');
  const params = graySortWorkload.parseParams({ total_bytes: 256 * 2 ** 20, partitions: 8 }, 'sim', spec);
  const first = await runWorkloadInSimulation(graySortWorkload, spec, { seed: 3, params });
  const again = await runWorkloadInSimulation(graySortWorkload, spec, { seed: 3, params });
  t.deepEqual(first.phases.map((p) => p.name), ['prepare', 'generate', 'partition', 'sort', 'validate']);
  const report = graySortWorkload.report(first);
  t.deepEqual(report.problems, []);
  t.is(report.summary.valid, 'yes');
  t.is(report.summary.records, params.totalRecords);
  t.true((report.summary.sortSec as number) > 0);
  // Compute is charged at the measured rates: the sort phase cannot be faster than its CPU bound.
  const cpuBoundSec = (params.totalRecords * 100) / (params.sortBytesPerCoreSec * spec.clients.cores * spec.clients.nodes);
  t.true((report.summary.sortPhaseSec as number) >= cpuBoundSec * 0.99, `sort phase ${report.summary.sortPhaseSec} s vs CPU bound ${cpuBoundSec} s`);
  t.deepEqual(again.phases.map((p) => [p.startSec, p.endSec]), first.phases.map((p) => [p.startSec, p.endSec]), 'same seed, same timeline');
  t.deepEqual(again.series, first.series);
});

test('peak read in simulation reads at a rate bounded by the SSDs, and the report folder is complete', async (t) => {
  const spec = loadClusterSpec('specs/peak-read-small.toml');
  const params = peakReadWorkload.parseParams({ duration_sec: 0.5 }, 'sim', spec);
  const run = await runWorkloadInSimulation(peakReadWorkload, spec, { seed: 1, params });
  const dir = mkdtempSync(join(tmpdir(), 'flyer-peak-'));
  try {
    const { written, report } = await writeRunReport(peakReadWorkload, run, { dir, startTime: new Date(0).toISOString(), clusterText: spec.name });
    t.deepEqual(report.problems, []);
    const steadyGiB = report.summary.readGiBPerSecSteady as number;
    const ssdBoundGiB = (spec.storage.nodes * spec.storage.ssdsPerNode * spec.storage.ssdReadBytesPerSec) / 2 ** 30;
    t.true(steadyGiB > 0.5 * ssdBoundGiB && steadyGiB <= ssdBoundGiB * 1.01, `steady ${steadyGiB} GiB/s vs SSD bound ${ssdBoundGiB}`);
    for (const file of ['index.html', 'series.json', 'report.json', 'run.json', 'read-throughput.svg', 'read-throughput.png']) t.true(written.files.includes(file), file);
    const runJson = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { phases: unknown[] };
    t.is(runJson.phases.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
