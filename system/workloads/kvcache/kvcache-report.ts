import { lineChart, type Chart, type Series } from '../../report/index.ts';
import { GiB, maxValue, peakAndMean, perClientRates, phaseMarkers, referenceIfPresent, round, totalRate } from '../framework/report-series.ts';
import { mergeRecorded, type RecordedSeries } from '../framework/throughput-recorder.ts';
import type { CompletedRun, WorkloadReport } from '../framework/workload.ts';
import type { CensusOutput } from './census-phase.ts';
import type { KvCacheParams } from './kvcache-params.ts';
import { SERIES, type ReplayStats } from './replay-stats.ts';
import type { SetupOutput } from './setup-phase.ts';

/**
 * 3FS's two KVCache figures (per-client peak and average read throughput; GC remove IOPS) from the
 * run's series, plus the block hit ratio over time against the single-cache model, and the checks:
 * something was replayed, every read returned what was written, the files left fit the capacity.
 */
export function kvCacheReport(run: CompletedRun<KvCacheParams>): WorkloadReport {
  const params = run.params;
  const setup = (run.phases.find((p) => p.name === 'setup')?.outputs[0] ?? null) as SetupOutput | null;
  const replays = (run.phases.find((p) => p.name === 'replay')?.outputs ?? []) as ReplayStats[];
  const census = (run.phases.find((p) => p.name === 'census')?.outputs[0] ?? null) as CensusOutput | null;
  const sum = (key: keyof ReplayStats): number => replays.reduce((total, r) => total + (r[key] as number), 0);
  const markers = phaseMarkers(run.phases);

  const readPerClient = perClientRates(run.series, SERIES.read, GiB);
  const [peakRead, meanRead] = peakAndMean(readPerClient, 'per client', run.clientCount) as [Series, Series];
  const chunkRemoves = totalRate(perClientRates(run.series, SERIES.gcChunkRemoves, 1), 'chunk removes');
  const fileRemoves = totalRate(perClientRates(run.series, SERIES.gcFileRemoves, 1), 'file removes');
  const hitRatio = hitRatioSeries(run.series);
  const replaySec = Math.max(0, ...replays.map((r) => r.replaySec));
  const requests = sum('requests');
  const blockRefs = sum('blockRefs');
  const hitBlocks = sum('hitBlocks');

  const charts: Chart[] = [];
  if (peakRead.points.length > 0) {
    charts.push(lineChart({
      id: 'kvcache-read-throughput', title: 'KVCache read throughput per client (peak and average)', yTitle: 'Read throughput', yUnit: 'GiB/s',
      series: [peakRead, meanRead], markers, ...referenceIfPresent('kvcache-read-throughput'),
    }));
  }
  if (chunkRemoves.points.length > 0) {
    charts.push(lineChart({
      id: 'kvcache-gc-iops', title: 'Removes issued by KVCache garbage collection', yTitle: 'Remove operations', yUnit: 'ops/s',
      series: [chunkRemoves, fileRemoves], markers, fill: true, ...referenceIfPresent('kvcache-gc-iops'),
    }));
  }
  if (hitRatio.points.length > 0) {
    const model = { name: 'model', points: hitRatio.points.map((p) => ({ tSec: p.tSec, value: (setup?.modelHitRatio ?? 0) * 100 })) };
    charts.push(lineChart({ id: 'kvcache-hit-ratio', title: 'Block hit ratio', yTitle: 'Hit blocks / looked-up blocks', yUnit: '%', series: [hitRatio, model], markers }));
  }
  const readTotal = totalRate(readPerClient, 'read');
  const writeTotal = totalRate(perClientRates(run.series, SERIES.write, GiB), 'write');
  if (readTotal.points.length > 0 || writeTotal.points.length > 0) {
    charts.push(lineChart({ id: 'kvcache-io', title: 'KVCache read and write throughput, all clients', yTitle: 'Throughput', yUnit: 'GiB/s', series: [readTotal, writeTotal].filter((s) => s.points.length > 0), markers }));
  }

  const problems: string[] = [];
  if (requests === 0) problems.push('no requests were replayed');
  if (sum('readFailures') > 0) problems.push(`${sum('readFailures')} block reads failed or returned other bytes than were written`);
  if (sum('requestFailures') > 0) problems.push(`${sum('requestFailures')} requests failed`);
  if (sum('writeFailures') > 0) problems.push(`${sum('writeFailures')} block writes failed`);
  if (sum('gcFailures') > 0) problems.push(`${sum('gcFailures')} GC removes failed`);
  const failureMessages = replays.flatMap((r) => r.failureMessages).slice(0, 5);
  if (failureMessages.length > 0) problems.push(`first failures: ${failureMessages.join(' | ')}`);
  if (census) {
    if (census.verifyFailures.length > 0) problems.push(`re-reading surviving blocks: ${census.verifyFailures.slice(0, 3).join(' | ')}`);
    if (params.capacityBlocks > 0 && census.blockFiles > params.capacityBlocks) problems.push(`${census.blockFiles} block files left, more than capacity_blocks = ${params.capacityBlocks}`);
    if (census.tempFiles > 0) problems.push(`${census.tempFiles} temporary block files were left behind`);
  }

  const blockBytes = params.tokensPerBlock * params.bytesPerToken;
  return {
    charts,
    summary: {
      trace: setup?.trace.source ?? 'unknown',
      traceParser: setup?.trace.parser ?? 'unknown',
      requests,
      traceSpanSec: round(setup?.traceSpanSec ?? 0, 1),
      replaySec: round(replaySec, 2),
      blockRefs,
      hitBlocks,
      blockHitRatioPct: round(blockRefs === 0 ? 0 : (100 * hitBlocks) / blockRefs),
      tokenHitRatioPct: round(sum('inputTokens') === 0 ? 0 : (100 * sum('hitTokens')) / sum('inputTokens')),
      modelHitRatioPct: round(100 * (setup?.modelHitRatio ?? 0)),
      idealHitRatioPct: round(100 * (setup?.idealHitRatio ?? 0)),
      readGiB: round(sum('readBytes') / GiB, 3),
      writtenGiB: round(sum('writtenBytes') / GiB, 3),
      readBlocks: sum('readBlocks'),
      writtenBlocks: sum('writtenBlocks'),
      readGiBPerSecPeakPerClient: round(maxValue(peakRead)),
      readGiBPerSecMeanPerClient: round(replaySec > 0 ? sum('readBytes') / GiB / replaySec / Math.max(1, run.clientCount) : 0, 3),
      gcFileRemoves: sum('gcFileRemoves'),
      gcChunkRemoves: sum('gcChunkRemoves'),
      gcChunkRemovesPerSecPeak: round(maxValue(chunkRemoves), 1),
      gcAlreadyGone: sum('gcAlreadyGone'),
      readRaces: sum('readRaces'),
      blockFilesAtEnd: census?.blockFiles ?? -1,
      blockGiBAtEnd: round((census?.blockBytes ?? 0) / GiB, 3),
      verifiedBlocksAtEnd: census?.verifiedBlocks ?? 0,
      maxLagSec: round(Math.max(0, ...replays.map((r) => r.maxLagSec)), 3),
      meanLagSec: round(requests === 0 ? 0 : sum('sumLagSec') / requests, 4),
      badTraceLines: setup?.trace.badLines ?? 0,
      capacityBlocks: params.capacityBlocks,
      ttlSec: params.ttlSec,
      blockMiB: round(blockBytes / 2 ** 20, 3),
      timeScale: params.timeScale,
      clients: run.clientCount,
    },
    notes: [
      `Trace: ${setup?.trace.source ?? 'unknown'} (${setup?.trace.totalRequests ?? 0} requests, ${setup?.requests ?? 0} in the window, ${setup?.distinctBlocks ?? 0} distinct blocks), parsed with ${setup?.trace.parser ?? 'unknown'}; replayed ${params.timeScale}x faster than trace time.`,
      `Blocks of ${params.tokensPerBlock} tokens x ${params.bytesPerToken} B/token = ${round(blockBytes / 2 ** 20, 3)} MiB (a last partial block holds only its tokens); one file per block, fanned out over ${params.fanoutDirs} directories; lookup is one batched stat of a request's block paths.`,
      `GC: each client keeps an LRU${params.ttlSec > 0 ? ` with a ${params.ttlSec} s TTL` : ''} of the blocks it used, capped at its share of ${params.capacityBlocks || 'unbounded'} blocks, and removes what it evicts every ${params.gcIntervalSec} trace seconds, ${params.gcConcurrency} removes in flight. The chunk count is ceil(file size / chunk size) per removed file (3FS's GC figure counts chunk removes).`,
      'The model hit ratio is one global cache with the same policy that evicts at once; the measured ratio is lower when clients evict blocks others still use, and higher when periodic GC lets the cache overshoot between rounds.',
      ...(setup && setup.trace.badLines > 0 ? [`${setup.trace.badLines} bad trace lines were skipped: ${setup.trace.badLineMessages.join(' | ')}`] : []),
      ...(run.spec ? [`Cluster: ${run.spec.description || run.spec.name}.`] : []),
    ],
    problems,
  };
}

/** Hit blocks / looked-up blocks per time bin, over all clients, in percent. */
function hitRatioSeries(recordings: readonly RecordedSeries[]): Series {
  if (recordings.length === 0) return { name: 'measured', points: [] };
  const merged = mergeRecorded(recordings);
  const hits = new Map(merged.series[SERIES.hitBlocks] ?? []);
  const points = (merged.series[SERIES.blockRefs] ?? []).filter(([, refs]) => refs > 0)
    .map(([bin, refs]) => ({ tSec: (bin * merged.binNs) / 1e9, value: (100 * (hits.get(bin) ?? 0)) / refs }));
  return { name: 'measured', points };
}
