import { lineChart } from '../../report/index.ts';
import { GiB, maxValue, peakAndMean, perClientRates, phaseMarkers, referenceIfPresent, round, totalRate } from '../framework/report-series.ts';
import type { CompletedRun, WorkloadReport } from '../framework/workload.ts';
import { RECORD_BYTES, type GraySortParams } from './graysort-params.ts';
import type { ValidateOutput } from './graysort-types.ts';

/**
 * The two 3FS GraySort figures: throughput over time with the phases marked (3FS plots it per storage
 * service; we measure at the clients, so this is the cluster's total), and per-client peak and average
 * read and write. The sort time counts partition + sort, as smallpond's 30 min 14 s does (generation
 * is outside it).
 */
export function graySortReport(run: CompletedRun<GraySortParams>): WorkloadReport {
  const reads = perClientRates(run.series, 'read', GiB);
  const writes = perClientRates(run.series, 'write', GiB);
  const markers = phaseMarkers(run.phases.filter((p) => p.name !== 'prepare'));
  const phase = (name: string) => run.phases.find((p) => p.name === name);
  const seconds = (name: string): number => {
    const p = phase(name);
    return p ? p.endSec - p.startSec : 0;
  };
  const sortSec = seconds('partition') + seconds('sort');
  const totalBytes = run.params.totalRecords * RECORD_BYTES;
  const validation = (phase('validate')?.outputs[0] ?? null) as ValidateOutput | null;
  const problems = validation ? [...validation.problems] : ['the validate phase produced no verdict'];
  const totalRead = totalRate(reads, 'read');
  const totalWrite = totalRate(writes, 'write');
  return {
    charts: [
      lineChart({
        id: 'throughput', title: 'Read and write throughput (all clients)', yTitle: 'Throughput', yUnit: 'GiB/s',
        series: [totalRead, totalWrite], markers, fill: true, ...referenceIfPresent('graysort-server'),
      }),
      lineChart({
        id: 'per-client', title: 'Per-client read and write throughput', yTitle: 'Throughput', yUnit: 'GiB/s',
        series: [...peakAndMean(reads, 'read', run.clientCount), ...peakAndMean(writes, 'write', run.clientCount)], markers,
        ...referenceIfPresent('graysort-client'),
      }),
    ],
    summary: {
      records: run.params.totalRecords,
      totalGiB: round(totalBytes / GiB, 3),
      partitions: run.params.partitions,
      generateSec: round(seconds('generate')),
      partitionSec: round(seconds('partition')),
      sortPhaseSec: round(seconds('sort')),
      sortSec: round(sortSec),
      sortedTiBPerMin: round(sortSec > 0 ? totalBytes / 1024 ** 4 / (sortSec / 60) : 0, 4),
      peakReadGiBPerSec: round(maxValue(totalRead)),
      peakWriteGiBPerSec: round(maxValue(totalWrite)),
      valid: validation?.valid ? 'yes' : 'NO',
      validatedBy: validation?.validatedBy ?? 'nothing',
      outputChecksum: validation?.checksumHex ?? '',
      inputChecksum: validation?.inputChecksumHex ?? '',
    },
    notes: [
      'Two phases as in smallpond: partition by key prefix into P files on Flyer, then sort each partition and write it back; generation (gensort) runs first and is not counted in the sort time.',
      run.mode === 'sim'
        ? `Simulated: payloads are synthetic and compute is charged to simulated cores at per-core rates measured from Flyer's native tools (${run.params.ratesSource}: gensort ${mbps(run.params.gensortBytesPerCoreSec)}, partition ${mbps(run.params.partitionBytesPerCoreSec)}, sort ${mbps(run.params.sortBytesPerCoreSec)} per core), so validation counts records only.`
        : 'Real: records from flyer gensort, sorted by flyer-sort, validated by valsort over the partition summaries in order (output checksum = input checksum, all in order).',
    ],
    problems,
  };
}

function mbps(bytesPerSec: number): string {
  return `${Math.round(bytesPerSec / 1e6)} MB/s`;
}
