/**
 * Walks the chunks of a chunk store in an id range, in pages, looking at no more than a given number
 * of chunks: one request must not hold a store's metadata for a whole file of millions of chunks, so a
 * caller that hits the limit gets `more` and the id to resume from (3FS moreChunksInRange).
 */
import { assert } from '../../env/assert.ts';
import type { ChunkId, ChunkMeta, ChunkStore } from '../../env/chunk-store.ts';
import { chunkIdHex, compareChunkIds, nextChunkId } from '../common/chunk-key.ts';

/** Metadata entries fetched from the store at a time (3FS handles ranges in pages of 100). */
export const RANGE_PAGE_CHUNKS = 100;

export interface RangeScan {
  readonly scannedChunks: number;
  readonly more: boolean;
  /** With `more`: the first id not looked at, as 32 hex digits. */
  readonly resumeFrom?: string;
}

/** Calls `visit` for each chunk in [begin, end) in id order, for at most `maxChunks` chunks. */
export async function scanRange(store: ChunkStore, begin: ChunkId, end: ChunkId, maxChunks: number, visit: (meta: ChunkMeta) => void): Promise<RangeScan> {
  assert(Number.isSafeInteger(maxChunks) && maxChunks >= 1, `maxChunks must be positive, got ${maxChunks}`);
  let from = begin;
  let scannedChunks = 0;
  while (scannedChunks < maxChunks) {
    const wanted = Math.min(RANGE_PAGE_CHUNKS, maxChunks - scannedChunks);
    const page = await store.list(from, end, wanted);
    assert(page.length <= wanted, `store listed ${page.length} chunks, asked for ${wanted}`);
    let previous: ChunkId | undefined;
    for (const meta of page) {
      // Ids strictly ascending and inside the range: otherwise pages could skip or repeat chunks.
      assert(compareChunkIds(meta.chunkId, from) >= 0 && compareChunkIds(meta.chunkId, end) < 0, `store listed ${chunkIdHex(meta.chunkId)} outside the range`);
      assert(previous === undefined || compareChunkIds(previous, meta.chunkId) < 0, 'store listed chunks out of id order');
      previous = meta.chunkId;
      visit(meta);
    }
    scannedChunks += page.length;
    if (page.length < wanted) return { scannedChunks, more: false };
    // The last id listed is below `end`, so it has a successor.
    const next = nextChunkId(page[page.length - 1]!.chunkId);
    assert(next !== undefined, 'a listed chunk below the range end has a successor id');
    from = next;
  }
  const rest = await store.list(from, end, 1);
  return rest.length === 0 ? { scannedChunks, more: false } : { scannedChunks, more: true, resumeFrom: chunkIdHex(from) };
}
