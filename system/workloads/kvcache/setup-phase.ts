import { isFlyerError } from '../../env/errors.ts';
import { realPayload } from '../../env/payload.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import type { ClientContext } from '../framework/workload.ts';
import { BlockLayout } from './block-layout.ts';
import type { KvCacheParams } from './kvcache-params.ts';
import { idealHitRatio, modelHitRatio } from './lru-model.ts';
import { recordLine } from './trace-record.ts';
import { loadTraceSource, type TraceSourceInfo } from './trace-source.ts';

export interface SetupOutput {
  readonly trace: TraceSourceInfo;
  readonly requests: number;
  readonly blockRefs: number;
  readonly distinctBlocks: number;
  readonly traceSpanSec: number;
  /** Hit ratio of one global cache with the run's policy, evicting at once (lru-model.ts). */
  readonly modelHitRatio: number;
  /** Hit ratio with unbounded capacity: every reuse hits. */
  readonly idealHitRatio: number;
  /** A cache directory left by an earlier run on this cluster was removed first. */
  readonly removedEarlierRun: boolean;
}

/**
 * Client 0 prepares the run: it clears what an earlier run on the same cluster left, makes the fan-out
 * directories, and stores the trace to replay in Flyer (read from the local file or generated), so every
 * client, on any host, replays the same requests. The other clients have nothing to do.
 */
export async function setupPhase(ctx: ClientContext<KvCacheParams>): Promise<SetupOutput | null> {
  if (ctx.clientIndex !== 0) return null;
  const { env, fs, params } = ctx;
  const layout = new BlockLayout(params.rootDir, params.fanoutDirs);
  const { records, info } = loadTraceSource(env, params);
  if (info.parser !== 'simdjson' && info.parser !== 'generator') env.log.warn('kvcache: trace parsed without simdjson', { parser: info.parser });

  let removedEarlierRun = false;
  try {
    await fs.stat(params.rootDir);
    await fs.remove(params.rootDir, { recursive: true });
    removedEarlierRun = true;
  } catch (error) {
    if (!isFlyerError(error, 'META_NOT_FOUND')) throw error;
  }
  await fs.mkdir(layout.blocksDir, { recursive: true });
  const limit = new Semaphore(32);
  await Promise.all(Array.from({ length: params.fanoutDirs }, (_, dir) => limit.with(() => fs.mkdir(layout.dirPath(dir)))));
  await fs.writeFile(layout.traceFile, realPayload(records.map((r) => `${recordLine(r)}\n`).join('')));

  const model = modelHitRatio(records, { capacityBlocks: params.capacityBlocks, ttlSec: params.ttlSec });
  return {
    trace: info,
    requests: records.length,
    blockRefs: model.blockRefs,
    distinctBlocks: new Set(records.flatMap((r) => r.hash_ids)).size,
    traceSpanSec: records.length > 0 ? records[records.length - 1]!.timestamp / 1000 : 0,
    modelHitRatio: model.hitRatio,
    idealHitRatio: idealHitRatio(records),
    removedEarlierRun,
  };
}
