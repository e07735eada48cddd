/**
 * The storage client's chunk range operations, their types and pure parts: adding up queryLastChunk
 * pages, and running per-chunk operations with bounded concurrency. The routing and retries live in
 * StorageClient, which these serve.
 */
import { assert } from '../../env/assert.ts';
import type { NodeId } from '../../env/types.ts';
import type { ChainId } from '../mgmtd/types.ts';
import type { ChunkIdRange, LastChunk, QueryLastChunkResponse, TargetSpace } from '../storage/messages.ts';

export interface LastChunkQuery {
  readonly chainId: ChainId;
  readonly range: ChunkIdRange;
  /** Chunks each call to the storage service looks at (default 4096); the client calls until done. */
  readonly maxChunksPerCall?: number;
}

/** The whole range's answer: its last committed chunk, how many committed chunks it holds, their bytes. */
export interface LastChunkResult {
  readonly lastChunk: LastChunk | undefined;
  readonly chunkCount: number;
  readonly totalLengthBytes: number;
}

export interface RemoveChunksRequest {
  readonly chainId: ChainId;
  readonly range: ChunkIdRange;
  /** Chunks to remove in this call, at least 1 (3FS meta's GC removes 32 at a time). */
  readonly maxChunks: number;
}

export interface RemoveChunksResult {
  /** Chunks found in the range and removed from every replica by this call. */
  readonly removedCount: number;
  /** The range held more chunks than this call removed: call again. */
  readonly more: boolean;
}

export interface ChunkTruncate {
  readonly chainId: ChainId;
  /** 32 hex digits. */
  readonly chunkId: string;
  /** New length: shorter cuts the chunk, longer extends it with zeros; a missing chunk is created. */
  readonly lengthBytes: number;
  readonly chunkSizeBytes: number;
}

/** One target's space as its storage node reported it, or why it could not. */
export type TargetSpaceReport = TargetSpace & { readonly nodeId: NodeId };

export const QUERY_CHUNKS_PER_CALL_DEFAULT = 4096;

export function emptyLastChunkResult(): LastChunkResult {
  return { lastChunk: undefined, chunkCount: 0, totalLengthBytes: 0 };
}

/** Adds the next page of a range (ids above every id of `total`) to what the earlier pages found. */
export function addLastChunkPage(total: LastChunkResult, page: QueryLastChunkResponse): LastChunkResult {
  assert(total.lastChunk === undefined || page.lastChunk === undefined || total.lastChunk.chunkId < page.lastChunk.chunkId,
    'pages of a range come in id order');
  return {
    lastChunk: page.lastChunk ?? total.lastChunk,
    chunkCount: total.chunkCount + page.chunkCount,
    totalLengthBytes: total.totalLengthBytes + page.totalLengthBytes,
  };
}

/**
 * Runs `operation` on every item, at most `concurrency` at once. After the first failure no new item
 * starts; it resolves or rejects only once nothing is in flight, so the caller's next step never races
 * a straggler of this one.
 */
export async function forEachBounded<T>(items: readonly T[], concurrency: number, operation: (item: T) => Promise<unknown>): Promise<void> {
  assert(Number.isSafeInteger(concurrency) && concurrency >= 1, `concurrency must be positive, got ${concurrency}`);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await operation(item);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failed) throw failure;
}
