import type { WorkloadDefinition } from '../framework/workload.ts';
import { censusPhase } from './census-phase.ts';
import { parseKvCacheParams, type KvCacheParams } from './kvcache-params.ts';
import { kvCacheReport } from './kvcache-report.ts';
import { replayPhase } from './replay-phase.ts';
import { setupPhase } from './setup-phase.ts';

/**
 * KVCache (3FS README figure 3): inference clients use Flyer as the KV cache of prompt prefixes. A
 * Mooncake-format trace (the real one, or a generated one) is replayed in scaled time: each request
 * looks up the longest cached prefix of its blocks, reads those, writes the rest, and each client's GC
 * removes blocks by LRU/TTL. The report shows per-client read throughput (peak and average), GC removes
 * per second, and the block hit ratio.
 */
export const kvCacheWorkload: WorkloadDefinition<KvCacheParams> = {
  name: 'kvcache',
  title: 'KVCache',
  parseParams: (raw) => parseKvCacheParams(raw),
  binNs: (params) => params.binMs * 1_000_000,
  report: (run) => kvCacheReport(run),
  phases: [
    { name: 'setup', run: (ctx) => setupPhase(ctx) },
    { name: 'replay', run: (ctx) => replayPhase(ctx) },
    { name: 'census', run: (ctx) => censusPhase(ctx) },
  ],
};
