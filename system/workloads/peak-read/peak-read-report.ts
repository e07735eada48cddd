import { lineChart, stackedAreaChart } from '../../report/index.ts';
import { GiB, maxValue, meanValue, perClientRates, phaseMarkers, referenceIfPresent, round, totalRate } from '../framework/report-series.ts';
import type { CompletedRun, WorkloadReport } from '../framework/workload.ts';
import type { PeakReadParams } from './peak-read.ts';

/** Aggregate read throughput over time (3FS's peak-throughput figure) and each client's share. */
export function peakReadReport(run: CompletedRun<PeakReadParams>): WorkloadReport {
  const perClient = perClientRates(run.series, 'read', GiB);
  const total = totalRate(perClient, 'all clients');
  const readPhase = run.phases.find((p) => p.name === 'read');
  // Steady state: skip the first and last bin of the read phase (ramp-up, and a partly filled last bin).
  const binSec = run.series[0] ? run.series[0].binNs / 1e9 : 1;
  const steadyFrom = (readPhase?.startSec ?? 0) + binSec;
  const steadyTo = (readPhase?.endSec ?? Number.POSITIVE_INFINITY) - binSec;
  const outputs = (readPhase?.outputs ?? []) as Array<{ readBytes: number; seconds: number }>;
  const readBytes = outputs.reduce((sum, o) => sum + o.readBytes, 0);
  const seconds = Math.max(...outputs.map((o) => o.seconds), 1e-9);
  const problems = readBytes === 0 ? ['no bytes were read'] : [];
  return {
    charts: [
      lineChart({
        id: 'read-throughput', title: 'Aggregate read throughput', yTitle: 'Read throughput', yUnit: 'GiB/s', series: [total],
        markers: phaseMarkers(run.phases), fill: true, ...referenceIfPresent('peak-throughput'),
      }),
      stackedAreaChart({ id: 'read-per-client', title: 'Read throughput per client', yTitle: 'Read throughput', yUnit: 'GiB/s', series: perClient }),
    ],
    summary: {
      readGiBPerSecAverage: round(readBytes / seconds / GiB),
      readGiBPerSecSteady: round(meanValue(total, steadyFrom, steadyTo)),
      readGiBPerSecPeak: round(maxValue(total)),
      readRequests: outputs.reduce((sum, o) => sum + ((o as { reads?: number }).reads ?? 0), 0),
      clients: run.clientCount,
      queueDepth: run.params.queueDepth,
      requestBytes: run.params.requestBytes,
    },
    notes: [
      'Throughput is measured at the clients: bytes of completed reads per time bin, summed over clients.',
      ...(run.spec ? [`Cluster: ${run.spec.description || run.spec.name}.`] : []),
    ],
    problems,
  };
}
