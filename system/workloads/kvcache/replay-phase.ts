import { FlyerError } from '../../env/errors.ts';
import { materialize } from '../../env/payload.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import type { ClientContext } from '../framework/workload.ts';
import { BlockLayout } from './block-layout.ts';
import { BlockLru } from './block-lru.ts';
import { BlockStore } from './block-store.ts';
import { CacheGc } from './gc-loop.ts';
import type { KvCacheParams } from './kvcache-params.ts';
import { emptyReplayStats, type ReplayStats } from './replay-stats.ts';
import { RequestServer } from './request-server.ts';
import { routeRequests } from './request-router.ts';
import { parseTraceText } from './trace-parse.ts';

/**
 * One client's replay: read the trace the setup phase stored in Flyer, keep this client's share of the
 * requests, and start each at its trace time divided by time_scale (later if max_inflight_requests are
 * busy; the lag is reported), with the client's GC running beside. Ends with a last GC round.
 */
export async function replayPhase(ctx: ClientContext<KvCacheParams>): Promise<ReplayStats> {
  const { env, fs, params } = ctx;
  const layout = new BlockLayout(params.rootDir, params.fanoutDirs);
  const text = new TextDecoder().decode(materialize(await fs.readFile(layout.traceFile)));
  const { records } = parseTraceText(text, { source: `flyer:${layout.traceFile}`, tokensPerBlock: params.tokensPerBlock });
  const route = routeRequests(records, ctx.clientCount, params.assign);
  const mine = records.filter((_, index) => route[index] === ctx.clientIndex);

  const stats = emptyReplayStats();
  stats.lruCapacityBlocks = capacityShare(params.capacityBlocks, ctx.clientIndex, ctx.clientCount);
  const lru = new BlockLru({ capacityBlocks: stats.lruCapacityBlocks, ttlNs: Math.round((params.ttlSec * 1e9) / params.timeScale) });
  const store = new BlockStore(fs, layout, ctx.mode, ctx.clientIndex);
  const server = new RequestServer(env, store, lru, params, ctx.recorder, stats);
  const gc = new CacheGc(env, store, lru, ctx.recorder, stats, {
    intervalNs: Math.max(1, Math.round((params.gcIntervalSec * 1e9) / params.timeScale)),
    concurrency: params.gcConcurrency,
  });

  const slots = new Semaphore(params.maxInflightRequests);
  const startNs = env.clock.now();
  const running: Array<Promise<void>> = [];
  let done = 0;
  gc.start();
  for (const record of mine) {
    const dueNs = startNs + Math.round((record.timestamp * 1e6) / params.timeScale);
    const waitNs = dueNs - env.clock.now();
    if (waitNs > 0) await env.clock.sleep(waitNs);
    await slots.acquire();
    const lagSec = Math.max(0, env.clock.now() - dueNs) / 1e9;
    stats.maxLagSec = Math.max(stats.maxLagSec, lagSec);
    stats.sumLagSec += lagSec;
    running.push(server.serve(record).finally(() => {
      slots.release();
      ctx.progress(++done);
    }));
  }
  await Promise.all(running);
  await gc.stop();
  stats.lruBlocksAtEnd = lru.size;
  stats.replaySec = (env.clock.now() - startNs) / 1e9;
  return stats;
}

/** This client's part of the cache capacity (0 = unbounded); the parts add up to the total. */
export function capacityShare(capacityBlocks: number, clientIndex: number, clientCount: number): number {
  if (capacityBlocks === 0) return 0;
  if (capacityBlocks < clientCount) {
    throw new FlyerError('INVALID_ARGUMENT', `kvcache: capacity_blocks = ${capacityBlocks} must be 0 (no bound) or at least the number of clients (${clientCount})`);
  }
  return Math.floor(capacityBlocks / clientCount) + (clientIndex < capacityBlocks % clientCount ? 1 : 0);
}
