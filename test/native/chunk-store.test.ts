/** The native engine through the ChunkStore interface: versions, layouts, listing, persistence, space. */
import test from 'ava';
import type { ChunkStore } from '../../system/env/chunk-store.ts';
import { crc32c } from '../../system/env/crc32c.ts';
import { materialize, realPayload, syntheticPayload, type RealPayload } from '../../system/env/payload.ts';
import { alignedBuffer } from '../../system/real/chunk-engine/read-buffers.ts';
import { readBufferPool, ReadBufferPool } from '../../system/real/chunk-engine/read-pool.ts';
import { bytes, chunkId, MAX_ID, MIN_ID, openStore, plainBytes, readAll, tempDir, writeChunk } from './helpers.ts';

async function withStore(t: { teardown(fn: () => void): void }, options: Parameters<typeof openStore>[1] = {}) {
  const dir = tempDir('store');
  const store = await openStore(dir.path, options);
  t.teardown(() => dir.remove());
  return { dir, store };
}

for (const directIo of [true, false]) {
  test(`write, commit, read round trip (${directIo ? 'direct' : 'buffered'} I/O)`, async (t) => {
    const { store } = await withStore(t, { directIo });
    const id = chunkId(1);
    const payload = syntheticPayload({ contentSeed: 7, sizeBytes: 300_000 });
    const pending = await store.update({ chunkId: id, update: { kind: 'write', offsetBytes: 0, payload }, updateVersion: 0, chainVersion: 3, chunkSizeBytes: 512 << 10 });
    t.like(pending, { commitVersion: 0, updateVersion: 1, lengthBytes: 0 });
    await t.throwsAsync(store.read(id, 0, 1), { message: /CHUNK_NOT_FOUND/ }, 'pending data is not readable');
    const meta = await store.commit(id, 1, 3);
    const expected = materialize(payload);
    t.like(meta, { commitVersion: 1, updateVersion: 1, chainVersion: 3, lengthBytes: 300_000, crc32c: crc32c(expected) });
    t.deepEqual(await readAll(store, id), expected);
    const part = await store.read(id, 4097, 10_000);
    t.deepEqual(plainBytes(part.payload), expected.subarray(4097, 14_097));
    t.deepEqual(part.meta, meta);
    t.is(store.stats().directIo, directIo);
    await store.close();
  });
}

test('the committed version stays readable while a pending one exists, until commit', async (t) => {
  const { store } = await withStore(t);
  const id = chunkId(2);
  const old = bytes(50_000, 1);
  await writeChunk(store, id, 0, old);
  const replacement = bytes(20_000, 2);
  const pending = await store.update({ chunkId: id, update: { kind: 'replace', payload: realPayload(replacement) }, updateVersion: 2, chainVersion: 1, chunkSizeBytes: 1 << 20 });
  t.like(pending, { commitVersion: 1, updateVersion: 2, lengthBytes: 50_000 });
  t.deepEqual(await readAll(store, id), old);
  t.like(await store.meta(id), { commitVersion: 1, updateVersion: 2 });
  const meta = await store.commit(id, 2, 1);
  t.like(meta, { commitVersion: 2, updateVersion: 2, lengthBytes: 20_000, crc32c: crc32c(replacement) });
  t.deepEqual(await readAll(store, id), replacement);
  // A retried commit of an already committed version is a success that reports the current state.
  t.like(await store.commit(id, 2, 1), { commitVersion: 2 });
  await store.close();
});

test('appends in place, overwrites copy on write, truncate and extend zero-fill; checksums stay right', async (t) => {
  const { store } = await withStore(t);
  const id = chunkId(3);
  const size = 256 << 10;
  let expected = bytes(10_000, 3);
  await writeChunk(store, id, 0, expected, size);
  const slot = store.locate(id);
  store.unpin(slot.pinToken);
  // Append after a gap: same slot, zeros in the gap, checksum extended.
  const tail = bytes(5_000, 4);
  let meta = await writeChunk(store, id, 12_345, tail, size);
  const grown = new Uint8Array(12_345 + 5_000);
  grown.set(expected);
  grown.set(tail, 12_345);
  expected = grown;
  t.is(meta.crc32c, crc32c(expected));
  const appended = store.locate(id);
  store.unpin(appended.pinToken);
  t.is(appended.offsetBytes, slot.offsetBytes, 'append stays in place');
  // Overwrite in the middle: another slot.
  const patch = bytes(100, 5);
  meta = await writeChunk(store, id, 50, patch, size);
  expected.set(patch, 50);
  t.is(meta.crc32c, crc32c(expected));
  const moved = store.locate(id);
  store.unpin(moved.pinToken);
  t.not(moved.offsetBytes, slot.offsetBytes, 'overwrite is copy-on-write');
  // Shrink and extend.
  let pending = await store.update({ chunkId: id, update: { kind: 'truncate', lengthBytes: 3_000 }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: size });
  meta = await store.commit(id, pending.updateVersion, 1);
  expected = expected.slice(0, 3_000);
  t.like(meta, { lengthBytes: 3_000, crc32c: crc32c(expected) });
  pending = await store.update({ chunkId: id, update: { kind: 'truncate', lengthBytes: 200_000 }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: size });
  meta = await store.commit(id, pending.updateVersion, 1);
  const extended = new Uint8Array(200_000);
  extended.set(expected);
  t.like(meta, { lengthBytes: 200_000, crc32c: crc32c(extended) });
  t.deepEqual(await readAll(store, id), extended);
  const stats = store.stats();
  t.is(stats.usedSlots, 1);
  t.is(stats.referencedSlots, 1);
  await store.close();
});

test('a pinned slot outlives the commit that replaces it', async (t) => {
  const { store } = await withStore(t);
  const id = chunkId(4);
  await writeChunk(store, id, 0, bytes(8192, 6));
  const pin = store.locate(id);
  const pending = await store.update({ chunkId: id, update: { kind: 'replace', payload: realPayload(bytes(8192, 7)) }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 1 << 20 });
  await store.commit(id, pending.updateVersion, 1);
  t.is(store.stats().usedSlots, 2, 'old slot still held by the pin');
  store.unpin(pin.pinToken);
  t.is(store.stats().usedSlots, 1);
  await store.close();
});

test('remove, list in id order, last chunk, range remove with a limit', async (t) => {
  const { store } = await withStore(t);
  for (const n of [5, 1, 9, 3, 7]) await writeChunk(store, chunkId(n), 0, bytes(1000 + n, n), 64 << 10);
  t.deepEqual((await store.list(MIN_ID, MAX_ID, 100)).map((m) => m.lengthBytes), [1001, 1003, 1005, 1007, 1009]);
  t.deepEqual((await store.list(chunkId(3), chunkId(9), 2)).map((m) => m.lengthBytes), [1003, 1005]);
  t.is((await store.lastChunk(chunkId(0), chunkId(8)))?.lengthBytes, 1007);
  t.is(await store.lastChunk(chunkId(10), chunkId(20)), undefined);
  const pending = await store.update({ chunkId: chunkId(5), update: { kind: 'remove' }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 64 << 10 });
  t.like(await store.meta(chunkId(5)), { commitVersion: 1, updateVersion: 2 }, 'remove is pending until commit');
  await readAll(store, chunkId(5));
  await store.commit(chunkId(5), pending.updateVersion, 1);
  t.is(await store.meta(chunkId(5)), undefined);
  t.is(await store.removeRange(MIN_ID, MAX_ID, 2), 2);
  t.deepEqual((await store.list(MIN_ID, MAX_ID, 100)).map((m) => m.lengthBytes), [1007, 1009]);
  t.is(await store.removeRange(MIN_ID, MAX_ID, 100), 2);
  const stats = store.stats();
  t.deepEqual([stats.chunkCount, stats.usedSlots, stats.reservedBytes], [0, 0, 0]);
  await store.close();
});

test('list pages through more chunks than one native call returns', async (t) => {
  const { store } = await withStore(t, { syncData: false });
  const count = 5000;
  await Promise.all(Array.from({ length: count }, (_, n) => writeChunk(store, chunkId(n), 0, bytes(16, n), 64 << 10)));
  const all = await store.list(MIN_ID, MAX_ID, 10_000);
  t.is(all.length, count);
  t.true(all.every((m, i) => new DataView(m.chunkId.buffer, m.chunkId.byteOffset).getUint32(12) === i));
  t.is((await store.list(MIN_ID, MAX_ID, 4097)).length, 4097);
  await store.close();
});

test('state survives close and reopen (checkpoint) and a reopen after log growth (replay)', async (t) => {
  const dir = tempDir('reopen');
  t.teardown(dir.remove);
  let store: ChunkStore = await openStore(dir.path, { checkpointBytes: 4096 });
  const metas = [];
  for (let n = 0; n < 50; n++) metas.push(await writeChunk(store, chunkId(n), 0, bytes(3000 + n, n), 64 << 10));
  const pending = await store.update({ chunkId: chunkId(0), update: { kind: 'write', offsetBytes: 0, payload: realPayload(bytes(10, 99)) }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 64 << 10 });
  t.true(((store as Awaited<ReturnType<typeof openStore>>).stats().checkpoints) > 0, 'small checkpointBytes forces checkpoints');
  await store.close();
  store = await openStore(dir.path);
  for (let n = 0; n < 50; n++) {
    const meta = await store.meta(chunkId(n));
    t.deepEqual({ ...meta!, updateVersion: 0 }, { ...metas[n]!, updateVersion: 0 });
    t.deepEqual(await readAll(store, chunkId(n)), bytes(3000 + n, n));
  }
  t.like(await store.meta(chunkId(0)), { commitVersion: 1, updateVersion: pending.updateVersion }, 'durable pending version survives');
  t.like(await store.commit(chunkId(0), pending.updateVersion, 1), { lengthBytes: 3000, commitVersion: 2 });
  await store.close();
});

test('compaction empties sparse groups and keeps the data', async (t) => {
  const { store } = await withStore(t, { reserveBytes: 64 << 20, syncData: false });
  const data = bytes(1000, 8);
  for (let n = 0; n < 300; n++) await writeChunk(store, chunkId(n), 0, data, 64 << 10);
  await store.removeRange(chunkId(20), chunkId(256), 1000);
  await store.removeRange(chunkId(256), chunkId(276), 1000);
  const before = store.stats();
  t.is(await store.compact(), 20);
  const after = store.stats();
  t.is(after.usedSlots, 44);
  t.true(after.reservedBytes < before.reservedBytes, `${before.reservedBytes} -> ${after.reservedBytes}`);
  for (const n of [0, 19, 276, 299]) t.deepEqual(await readAll(store, chunkId(n)), data);
  t.is(await store.compact(), 0, 'nothing left to compact');
  await store.close();
});

test('space info reports capacity, use and the low-space threshold', async (t) => {
  const { store } = await withStore(t, { capacityBytes: 1 << 20, lowSpaceRatio: 0.5, reserveBytes: 64 << 10 });
  let info = await store.spaceInfo();
  t.like(info, { capacityBytes: 1 << 20, usedBytes: 0, freeBytes: 1 << 20, lowSpace: false });
  for (let n = 0; n < 8; n++) await writeChunk(store, chunkId(n), 0, bytes(100, n), 64 << 10);
  info = await store.spaceInfo();
  t.like(info, { usedBytes: 8 * (64 << 10), freeBytes: 8 * (64 << 10), lowSpace: true });
  await store.close();
});

test('readInto fills the caller\'s buffer, aligned or not, and checks its bounds', async (t) => {
  const { store } = await withStore(t);
  const id = chunkId(7);
  const data = bytes(200_000, 9);
  const meta = await writeChunk(store, id, 0, data);
  const aligned = alignedBuffer(196_608);
  t.deepEqual(await store.readInto(id, 0, aligned), meta);
  t.deepEqual(new Uint8Array(aligned.buffer, aligned.byteOffset, aligned.length), data.subarray(0, 196_608));
  const odd = new Uint8Array(new ArrayBuffer(5000), 3, 4321);
  await store.readInto(id, 12_345, odd);
  t.deepEqual(odd, data.subarray(12_345, 12_345 + 4321));
  await t.throwsAsync(store.readInto(id, 199_000, new Uint8Array(1001)), { message: /CHUNK_OUT_OF_RANGE/ });
  await t.throwsAsync(store.readInto(id, 0, 'nope' as unknown as Uint8Array), { message: /INVALID_ARGUMENT/ });
  await store.close();
});

// Serial: the pool is process-wide, and other tests' reads would move its counts.
test.serial('large reads are lent from the pool with the chunk checksum; released buffers serve later reads', async (t) => {
  // Buffered, so the engine's copy is cheap; mapped reads off, as they would serve large reads without the pool.
  const { store } = await withStore(t, { directIo: false, mappedReads: false });
  const id = chunkId(40);
  const content = bytes(1 << 20, 4);
  await writeChunk(store, id, 0, content);
  const pool = readBufferPool;
  const first = await store.read(id, 0, content.length);
  t.truthy(first.release, 'a large read lends its buffer');
  t.is((first.payload as RealPayload).knownCrc32c, crc32c(content), 'a whole-chunk read carries the checksum the engine verified');
  t.deepEqual(plainBytes(first.payload), content);
  const freeBefore = pool.freeBytes;
  first.release!();
  first.release!();
  t.is(pool.freeBytes, freeBefore + (1 << 20), 'released once, however often release is called');
  const second = await store.read(id, 0, content.length);
  t.is((second.payload as RealPayload).bytes.buffer, (first.payload as RealPayload).bytes.buffer, 'the released buffer is reused');
  t.is(pool.freeBytes, freeBefore);
  const part = await store.read(id, 100_000, 200_000);
  t.is((part.payload as RealPayload).knownCrc32c, undefined, 'a partial read does not claim the chunk checksum');
  t.deepEqual(plainBytes(part.payload), content.subarray(100_000, 300_000));
  const small = await store.read(id, 0, 4096);
  t.is(small.release, undefined, 'small reads come from slabs');
  second.release!();
  part.release!();
  await t.throwsAsync(store.read(chunkId(41), 0, 1 << 20), { message: /CHUNK_NOT_FOUND/ });
  t.is(pool.freeBytes, freeBefore + (1 << 20) + (256 << 10), 'a failed read gives its buffer back');
  await store.close();
});

test('the read pool keeps at most its bound of free bytes', (t) => {
  const pool = new ReadBufferPool(3 << 20);
  const lent = [pool.take(1 << 20), pool.take(1 << 20), pool.take(1 << 20), pool.take(1 << 20)];
  t.is(lent[0]!.bytes.length, 1 << 20);
  t.is(pool.take(100_000).bytes.length, 100_000);
  for (const buffer of lent) buffer.release();
  t.is(pool.freeBytes, 3 << 20);
});
