/**
 * Mapped reads: on a buffered engine, large reads return a view into the engine's mapping of its data
 * files (no copy), the chunk's slot pinned until `release`. The view keeps showing the version it read
 * whatever happens to the chunk meanwhile; O_DIRECT engines and small reads keep the copying path.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import type { ChunkReadResult } from '../../system/env/chunk-store.ts';
import { crc32c } from '../../system/env/crc32c.ts';
import { realPayload, type RealPayload } from '../../system/env/payload.ts';
import { NativeChunkStore } from '../../system/real/chunk-engine/index.ts';
import { bytes, chunkId, openStore, plainBytes, tempDir, writeChunk } from './helpers.ts';

async function withStore(t: { teardown(fn: () => void): void }, options: Parameters<typeof openStore>[1] = {}) {
  const dir = tempDir('mapped');
  const store = await openStore(dir.path, options);
  t.teardown(() => dir.remove());
  return { dir, store };
}

/** The payload's bytes copied out (a view compared later must not be the thing that changed). */
function copyOf(result: ChunkReadResult): Uint8Array {
  return Uint8Array.from(plainBytes(result.payload));
}

/** A whole-chunk read, copied out and released. */
async function readCopy(store: NativeChunkStore, id: Uint8Array, lengthBytes: number): Promise<Uint8Array> {
  const result = await store.read(id, 0, lengthBytes);
  const out = copyOf(result);
  result.release?.();
  return out;
}

async function replace(store: NativeChunkStore, id: Uint8Array, content: Uint8Array): Promise<void> {
  const pending = await store.update({ chunkId: id, update: { kind: 'replace', payload: realPayload(content) }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 1 << 20 });
  await store.commit(id, pending.updateVersion, 1);
}

test('large reads of a buffered engine are views into its mapping, with the chunk checksum', async (t) => {
  const { store } = await withStore(t, { directIo: false });
  t.true(store.stats().mappedReads);
  const id = chunkId(1);
  const content = bytes(1 << 20, 1);
  const meta = await writeChunk(store, id, 0, content);
  const whole = await store.read(id, 0, content.length);
  t.truthy(whole.release);
  t.deepEqual(plainBytes(whole.payload), content);
  t.is((whole.payload as RealPayload).knownCrc32c, crc32c(content), 'a whole-chunk read carries the checksum the engine verified');
  t.deepEqual(whole.meta, meta);
  const part = await store.read(id, 100_000, 200_000);
  t.deepEqual(plainBytes(part.payload), content.subarray(100_000, 300_000));
  t.is((part.payload as RealPayload).knownCrc32c, undefined, 'a partial read does not claim the chunk checksum');
  t.is(store.stats().pinnedSlots, 1);
  whole.release!();
  t.is(store.stats().pinnedSlots, 1, 'one pin per read');
  part.release!();
  t.is(store.stats().pinnedSlots, 0);
  const small = await store.read(id, 0, 4096);
  t.is(small.release, undefined, 'small reads keep the slab path');
  t.deepEqual(plainBytes(small.payload), content.subarray(0, 4096));
  // Concurrent reads of one chunk: two views over the same memory.
  const both = await Promise.all([store.read(id, 0, content.length), store.read(id, 0, content.length)]);
  for (const r of both) t.deepEqual(plainBytes(r.payload), content);
  for (const r of both) r.release!();
  await t.throwsAsync(store.read(chunkId(2), 0, 1 << 20), { message: /CHUNK_NOT_FOUND/ });
  await t.throwsAsync(store.read(id, 1, 1 << 20), { message: /CHUNK_OUT_OF_RANGE/ });
  t.is(store.stats().pinnedSlots, 0, 'failed reads hold no pin');
  await store.close();
});

test('a view keeps its bytes through later writes and removes until released; release twice is harmless', async (t) => {
  const { store } = await withStore(t, { directIo: false });
  const id = chunkId(3);
  const old = bytes(500_000, 3);
  await writeChunk(store, id, 0, old);
  const view = await store.read(id, 0, old.length);
  const tail = await store.read(id, 300_000, 200_000);
  // Overwrite in place of the old bytes (copy on write), then replace the whole chunk twice.
  const overwrite = bytes(100_000, 4);
  await writeChunk(store, id, 0, overwrite);
  const replaced = bytes(400_000, 5);
  await replace(store, id, replaced);
  await replace(store, id, bytes(400_000, 6));
  t.deepEqual(await readCopy(store, id, 400_000), bytes(400_000, 6));
  // New chunks of the same class while the old slot is pinned.
  for (let n = 10; n < 14; n++) await writeChunk(store, chunkId(n), 0, bytes(500_000, n));
  t.deepEqual(plainBytes(view.payload), old, 'the view still shows the version it read');
  t.deepEqual(plainBytes(tail.payload), old.subarray(300_000));
  t.is(store.stats().pinnedSlots, 1);
  view.release!();
  view.release!();
  t.is(store.stats().pinnedSlots, 1, 'a second release does not drop the other read\'s pin');
  tail.release!();
  tail.release!();
  const stats = store.stats();
  t.is(stats.pinnedSlots, 0);
  t.is(stats.usedSlots, 5, 'the old slot was freed at its last release');
  // A remove under a view.
  const last = await store.read(chunkId(10), 0, 500_000);
  const removed = await store.update({ chunkId: chunkId(10), update: { kind: 'remove' }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 1 << 20 });
  await store.commit(chunkId(10), removed.updateVersion, 1);
  await writeChunk(store, chunkId(20), 0, bytes(500_000, 20));
  t.deepEqual(plainBytes(last.payload), bytes(500_000, 10));
  last.release!();
  t.is(store.stats().usedSlots, 5);
  await store.close();
});

test('reads follow a growing data file: views made before and after it grew all stay right', async (t) => {
  // 128 KiB slots reserved one at a time: the file, and with it the group mapping, grows with every chunk.
  const { store } = await withStore(t, { directIo: false, reserveBytes: 128 << 10 });
  const results: ChunkReadResult[] = [];
  for (let n = 0; n < 40; n++) {
    const content = bytes(100_000 + n, 100 + n);
    await writeChunk(store, chunkId(100 + n), 0, content, 128 << 10);
    const result = await store.read(chunkId(100 + n), 0, content.length);
    t.deepEqual(plainBytes(result.payload), content);
    results.push(result);
  }
  for (let n = 0; n < 40; n += 7) {
    const part = await store.read(chunkId(100 + n), 1000, 70_000);
    t.deepEqual(plainBytes(part.payload), bytes(100_000 + n, 100 + n).subarray(1000, 71_000));
    part.release!();
  }
  results.forEach((result, n) => t.deepEqual(plainBytes(result.payload), bytes(100_000 + n, 100 + n)));
  for (const result of results) result.release!();
  t.is(store.stats().pinnedSlots, 0);
  await store.close();
});

test('a view made before the engine closes stays readable; its release afterwards is harmless', async (t) => {
  const { dir, store } = await withStore(t, { directIo: false });
  const id = chunkId(4);
  const content = bytes(300_000, 7);
  await writeChunk(store, id, 0, content);
  const result = await store.read(id, 0, content.length);
  await store.close();
  t.deepEqual(plainBytes(result.payload), content);
  result.release!();
  const reopened = await openStore(dir.path, { directIo: false });
  t.deepEqual(await readCopy(reopened, id, content.length), content);
  await reopened.close();
});

test('views dropped without release give their pins back once their buffer rotates and is collected', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const dir = tempDir('mapped-gc');
  t.teardown(() => dir.remove());
  const store = await NativeChunkStore.open({ targetId: 1, path: dir.path, engine: { directIo: false }, stalePinMs: 50 });
  const id = chunkId(5);
  const content = bytes(200_000, 8);
  await writeChunk(store, id, 0, content);
  const sums: number[] = [];
  for (let i = 0; i < 4; i++) sums.push(crc32c(plainBytes((await store.read(id, 0, content.length)).payload)));
  t.deepEqual(sums, Array<number>(4).fill(crc32c(content)));
  // A subarray kept alive keeps the pins: nothing may change under it.
  let kept: Uint8Array | undefined = plainBytes((await store.read(id, 0, content.length)).payload).subarray(10, 20);
  gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(store.stats().pinnedSlots, 1, 'the group buffer is still referenced');
  // A read after the stale time wraps the group anew; the old buffer then goes with its last view.
  const fresh = await store.read(id, 0, content.length);
  fresh.release!();
  t.deepEqual(kept, content.subarray(10, 20));
  t.is(store.stats().pinnedSlots, 1);
  kept = undefined;
  for (let i = 0; i < 50 && store.stats().pinnedSlots > 0; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.is(store.stats().pinnedSlots, 0);
  await store.close();
});

test('O_DIRECT engines and buffered ones with mapped reads off read into pooled buffers, as before', async (t) => {
  for (const engine of [{ directIo: true }, { directIo: true, mappedReads: true }, { directIo: false, mappedReads: false }]) {
    const { store } = await withStore(t, engine);
    t.false(store.stats().mappedReads, JSON.stringify(engine));
    const id = chunkId(6);
    const content = bytes(700_000, 9);
    await writeChunk(store, id, 0, content);
    const first = await store.read(id, 0, content.length);
    t.deepEqual(copyOf(first), content);
    t.is((first.payload as RealPayload).knownCrc32c, crc32c(content));
    t.is(store.stats().pinnedSlots, 0, 'pooled reads hold no pin');
    first.release!();
    first.release!();
    const part = await store.read(id, 65_537, 300_000);
    t.deepEqual(copyOf(part), content.subarray(65_537, 365_537));
    part.release!();
    await store.close();
  }
});
