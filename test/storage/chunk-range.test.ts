import test from 'ava';
import type { ChunkId, ChunkMeta, ChunkStore } from '../../system/env/chunk-store.ts';
import { addLastChunkPage, emptyLastChunkResult, forEachBounded } from '../../system/services/client/range-ops.ts';
import { chunkIdFromHex, chunkIdHex, chunkIdOf, chunkIdParts, compareChunkIds, fileChunkRange, nextChunkId } from '../../system/services/common/chunk-key.ts';
import { scanRange } from '../../system/services/storage/chunk-range.ts';

// Goal: the pure pieces of the chunk range operations: chunk id arithmetic, paging through a store's
// range without skipping or repeating a chunk, adding up pages, and bounded per-chunk concurrency.

/** A store that only lists, over a fixed set of ids, counting its list calls. */
function listingStore(ids: readonly ChunkId[]): ChunkStore & { calls: number } {
  const sorted = [...ids].sort(compareChunkIds);
  const meta = (chunkId: ChunkId): ChunkMeta => ({ chunkId, lengthBytes: 1, commitVersion: 1, updateVersion: 1, chainVersion: 1, crc32c: 0 });
  const store = {
    calls: 0,
    async list(begin: ChunkId, end: ChunkId, limit: number) {
      store.calls++;
      return sorted.filter((id) => compareChunkIds(id, begin) >= 0 && compareChunkIds(id, end) < 0).slice(0, limit).map(meta);
    },
  };
  return store as unknown as ChunkStore & { calls: number };
}

test('chunk ids: parts, successor, a file\'s range', (t) => {
  t.deepEqual(chunkIdParts(chunkIdHex(chunkIdOf(0x1234, 2 ** 40 + 5))), { inodeId: 0x1234, track: 0, chunkIndex: 2 ** 40 + 5 });
  t.is(chunkIdHex(nextChunkId(chunkIdFromHex('00000000000000000000000000000aff'))!), '00000000000000000000000000000b00');
  t.is(nextChunkId(chunkIdFromHex('f'.repeat(32))), undefined);
  const file = fileChunkRange(7, 3);
  t.is(file.begin, chunkIdHex(chunkIdOf(7, 3)));
  t.is(file.end, '00000000000000070001000000000000');
  t.true(chunkIdHex(chunkIdOf(7, 2 ** 48 - 1)) < file.end && file.end < chunkIdHex(chunkIdOf(8, 0)));
  t.throws(() => chunkIdParts('xyz'), { message: /INVALID_ARGUMENT/ });
});

test('scanRange pages through a range, stops at the limit and says where to resume', async (t) => {
  const ids = Array.from({ length: 250 }, (_, i) => chunkIdOf(5, i * 3));
  const store = listingStore([...ids, chunkIdOf(4, 0), chunkIdOf(6, 0)]);
  const { begin, end } = fileChunkRange(5);
  const seen: string[] = [];
  const all = await scanRange(store, chunkIdFromHex(begin), chunkIdFromHex(end), 1000, (m) => void seen.push(chunkIdHex(m.chunkId)));
  t.deepEqual(all, { scannedChunks: 250, more: false });
  t.deepEqual(seen, ids.map(chunkIdHex));
  t.is(store.calls, 3, 'pages of 100');
  const part: string[] = [];
  const first = await scanRange(store, chunkIdFromHex(begin), chunkIdFromHex(end), 200, (m) => void part.push(chunkIdHex(m.chunkId)));
  t.deepEqual(first, { scannedChunks: 200, more: true, resumeFrom: chunkIdHex(nextChunkId(ids[199]!)!) });
  const rest = await scanRange(store, chunkIdFromHex(first.resumeFrom!), chunkIdFromHex(end), 200, (m) => void part.push(chunkIdHex(m.chunkId)));
  t.deepEqual(rest, { scannedChunks: 50, more: false });
  t.deepEqual(part, seen, 'resuming neither skips nor repeats');
  const exact = await scanRange(store, chunkIdFromHex(begin), chunkIdFromHex(end), 250, () => undefined);
  t.deepEqual(exact, { scannedChunks: 250, more: false }, 'a limit that ends the range exactly has no more');
  t.deepEqual(await scanRange(store, chunkIdFromHex(begin), chunkIdFromHex(begin), 10, () => t.fail()), { scannedChunks: 0, more: false });
  await t.throwsAsync(scanRange(store, chunkIdFromHex(begin), chunkIdFromHex(end), 0, () => undefined), { message: /ASSERTION/ });
});

test('pages add up to the range\'s answer; per-chunk work is bounded and settles before a failure is reported', async (t) => {
  const page = (id: string | undefined, count: number, bytes: number) => ({ ...(id ? { lastChunk: { chunkId: id, lengthBytes: 1, commitVersion: 1 } } : {}), chunkCount: count, totalLengthBytes: bytes, more: false });
  let total = emptyLastChunkResult();
  total = addLastChunkPage(total, page('0a', 2, 10));
  total = addLastChunkPage(total, page(undefined, 0, 0));
  total = addLastChunkPage(total, page('0b', 1, 5));
  t.deepEqual(total, { lastChunk: { chunkId: '0b', lengthBytes: 1, commitVersion: 1 }, chunkCount: 3, totalLengthBytes: 15 });
  t.throws(() => addLastChunkPage(total, page('01', 1, 1)), { message: /ASSERTION/ });

  let running = 0;
  let peak = 0;
  const done: number[] = [];
  await forEachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    peak = Math.max(peak, ++running);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
    done.push(n);
  });
  t.is(peak, 3);
  t.deepEqual([...done].sort(), [1, 2, 3, 4, 5, 6, 7]);
  const started: number[] = [];
  let inFlight = 0;
  const failing = forEachBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
    started.push(n);
    inFlight++;
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    if (n === 2) throw new Error('boom');
  });
  await t.throwsAsync(failing, { message: 'boom' });
  t.is(inFlight, 0, 'nothing still runs once the failure is reported');
  t.true(started.length < 6, 'no new item starts after a failure');
});
