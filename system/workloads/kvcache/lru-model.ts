import { BlockLru } from './block-lru.ts';
import type { MooncakeRecord } from './trace-record.ts';

export interface ModelOptions {
  /** 0 = unbounded. */
  readonly capacityBlocks: number;
  /** In trace seconds; 0 = none. */
  readonly ttlSec: number;
}

export interface ModelResult {
  readonly blockRefs: number;
  readonly hitBlocks: number;
  readonly hitRatio: number;
}

/**
 * The hit ratio a single, global cache with this policy would reach on a trace, evicting at once: the
 * yardstick for a run's measured ratio (which GCs periodically, per client, with requests in flight).
 * Lookup is the longest prefix of a request's ids in the cache; then all its blocks are used, deepest
 * first (see BlockLru).
 */
export function modelHitRatio(records: readonly MooncakeRecord[], options: ModelOptions): ModelResult {
  const lru = new BlockLru({ capacityBlocks: options.capacityBlocks, ttlNs: Math.round(options.ttlSec * 1e9) });
  let blockRefs = 0;
  let hitBlocks = 0;
  for (const record of records) {
    const nowNs = record.timestamp * 1e6;
    if (options.ttlSec > 0) lru.takeEvictions(nowNs);
    const ids = record.hash_ids;
    let hits = 0;
    while (hits < ids.length && lru.has(ids[hits]!)) hits++;
    hitBlocks += hits;
    blockRefs += ids.length;
    for (let i = ids.length - 1; i >= 0; i--) lru.touch(ids[i]!, 0, nowNs);
    lru.takeEvictions(nowNs);
  }
  return { blockRefs, hitBlocks, hitRatio: blockRefs === 0 ? 0 : hitBlocks / blockRefs };
}

/** Every block reused is a hit: the ceiling any capacity reaches. */
export function idealHitRatio(records: readonly MooncakeRecord[]): number {
  return modelHitRatio(records, { capacityBlocks: 0, ttlSec: 0 }).hitRatio;
}
