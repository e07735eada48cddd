/** What one client did in the replay phase (JSON: it crosses the worker process boundary). */
export interface ReplayStats {
  requests: number;
  requestFailures: number;
  blockRefs: number;
  hitBlocks: number;
  inputTokens: number;
  hitTokens: number;
  readBlocks: number;
  readBytes: number;
  writtenBlocks: number;
  writtenBytes: number;
  /** Hits whose file was removed or replaced between lookup and read (then served as misses). */
  readRaces: number;
  /** Reads that failed or returned other bytes than were written. */
  readFailures: number;
  writeFailures: number;
  gcRounds: number;
  gcFileRemoves: number;
  /** Chunks the removed files held: what 3FS's GC IOPS figure counts. */
  gcChunkRemoves: number;
  /** Evictions whose file another client had removed already. */
  gcAlreadyGone: number;
  gcFailures: number;
  /** Blocks in this client's LRU after the final GC round. */
  lruBlocksAtEnd: number;
  lruCapacityBlocks: number;
  /** How late requests started against their (scaled) trace time, in run seconds. */
  maxLagSec: number;
  sumLagSec: number;
  replaySec: number;
  chunkSizeBytes: number;
  /** The first few failure messages. */
  failureMessages: string[];
}

export function emptyReplayStats(): ReplayStats {
  return {
    requests: 0, requestFailures: 0, blockRefs: 0, hitBlocks: 0, inputTokens: 0, hitTokens: 0, readBlocks: 0, readBytes: 0,
    writtenBlocks: 0, writtenBytes: 0, readRaces: 0, readFailures: 0, writeFailures: 0, gcRounds: 0, gcFileRemoves: 0,
    gcChunkRemoves: 0, gcAlreadyGone: 0, gcFailures: 0, lruBlocksAtEnd: 0, lruCapacityBlocks: 0, maxLagSec: 0, sumLagSec: 0,
    replaySec: 0, chunkSizeBytes: 0, failureMessages: [],
  };
}

const KEPT_MESSAGES = 5;

export function noteFailure(stats: ReplayStats, message: string): void {
  if (stats.failureMessages.length < KEPT_MESSAGES) stats.failureMessages.push(message);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Series names in the recorder (per time bin). */
export const SERIES = {
  read: 'read',
  write: 'write',
  requests: 'requests',
  blockRefs: 'block-refs',
  hitBlocks: 'hit-blocks',
  gcFileRemoves: 'gc-remove',
  gcChunkRemoves: 'gc-chunk-remove',
} as const;
