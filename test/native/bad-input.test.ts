/** Bad input gets a coded error, and the engine keeps working afterwards. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import test from 'ava';
import type { ChunkId } from '../../system/env/chunk-store.ts';
import { crc32c } from '../../system/env/crc32c.ts';
import { realPayload, syntheticPayload } from '../../system/env/payload.ts';
import type { NativeChunkStore } from '../../system/real/chunk-engine/index.ts';
import { bytes, chunkId, MAX_ID, MIN_ID, openStore, readAll, tempDir, writeChunk } from './helpers.ts';

const KiB = 1024;

/** Checks that the store still does a full write/commit/read after whatever the test did to it. */
async function stillUsable(t: { deepEqual(a: unknown, b: unknown, m?: string): void }, store: NativeChunkStore, n = 999): Promise<void> {
  const data = bytes(5000, n);
  await writeChunk(store, chunkId(n), 0, data, 64 * KiB);
  t.deepEqual(await readAll(store, chunkId(n)), data, 'engine usable after the error');
}

test('unknown chunks', async (t) => {
  const dir = tempDir('bad-unknown');
  t.teardown(dir.remove);
  const store = await openStore(dir.path);
  await t.throwsAsync(store.read(chunkId(1), 0, 10), { message: /FLYER_ERR_CHUNK_NOT_FOUND/ });
  t.is(await store.meta(chunkId(1)), undefined);
  await t.throwsAsync(store.commit(chunkId(1), 1, 1), { message: /CHUNK_NOT_FOUND/ });
  await t.throwsAsync(store.update({ chunkId: chunkId(1), update: { kind: 'remove' }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 64 * KiB }),
    { message: /CHUNK_NOT_FOUND/ });
  t.is(await store.removeRange(MIN_ID, MAX_ID, 10), 0);
  await stillUsable(t, store);
  await store.close();
});

test('offsets and lengths outside the chunk', async (t) => {
  const dir = tempDir('bad-range');
  t.teardown(dir.remove);
  const store = await openStore(dir.path);
  await writeChunk(store, chunkId(1), 0, bytes(10_000, 1), 64 * KiB);
  await t.throwsAsync(store.read(chunkId(1), 9_999, 2), { message: /FLYER_ERR_CHUNK_OUT_OF_RANGE/ });
  await t.throwsAsync(store.read(chunkId(1), 10_001, 0), { message: /CHUNK_OUT_OF_RANGE/ });
  await t.throwsAsync(store.read(chunkId(1), 2 ** 52, 1), { message: /CHUNK_OUT_OF_RANGE/ });
  await t.throwsAsync(store.read(chunkId(1), -1, 1), { message: /FLYER_ERR_INVALID_ARGUMENT/ });
  await t.throwsAsync(store.read(chunkId(1), 0, 1.5), { message: /INVALID_ARGUMENT/ });
  t.is((await store.read(chunkId(1), 10_000, 0)).payload.sizeBytes, 0, 'an empty read at the end is fine');
  await stillUsable(t, store);
  await store.close();
});

test('writes larger than the chunk size or the largest size class', async (t) => {
  const dir = tempDir('bad-large');
  t.teardown(dir.remove);
  const store = await openStore(dir.path);
  const write = (offsetBytes: number, sizeBytes: number, chunkSizeBytes: number) => store.update({
    chunkId: chunkId(1), update: { kind: 'write', offsetBytes, payload: syntheticPayload({ contentSeed: 3, sizeBytes }) },
    updateVersion: 0, chainVersion: 1, chunkSizeBytes,
  });
  await t.throwsAsync(write(0, 64 * KiB + 1, 64 * KiB), { message: /FLYER_ERR_CHUNK_TOO_LARGE/ });
  await t.throwsAsync(write(60 * KiB, 8 * KiB, 64 * KiB), { message: /CHUNK_TOO_LARGE/ });
  await t.throwsAsync(write(0, 10, 128 << 20), { message: /CHUNK_TOO_LARGE.*64 MiB|CHUNK_TOO_LARGE/ });
  await t.throwsAsync(write(0, 10, 0), { message: /INVALID_ARGUMENT/ });
  await t.throwsAsync(store.update({ chunkId: chunkId(1), update: { kind: 'truncate', lengthBytes: 65 * KiB }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 64 * KiB }),
    { message: /CHUNK_TOO_LARGE/ });
  t.is(await store.meta(chunkId(1)), undefined, 'nothing was created');
  t.is(store.stats().usedSlots, 0, 'no slot leaked');
  await stillUsable(t, store);
  await store.close();
});

test('malformed ids', async (t) => {
  const dir = tempDir('bad-id');
  t.teardown(dir.remove);
  const store = await openStore(dir.path);
  for (const bad of [new Uint8Array(15), new Uint8Array(17), new Uint8Array(0), 'chunk' as unknown as ChunkId, undefined as unknown as ChunkId]) {
    const invalid = { message: /FLYER_ERR_CHUNK_INVALID_ID/ };
    await t.throwsAsync(store.read(bad, 0, 1), invalid);
    await t.throwsAsync(store.meta(bad), invalid);
    await t.throwsAsync(store.commit(bad, 1, 1), invalid);
    await t.throwsAsync(store.update({ chunkId: bad, update: { kind: 'remove' }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 64 * KiB }), invalid);
    await t.throwsAsync(store.list(bad, MAX_ID, 1), invalid);
    await t.throwsAsync(store.removeRange(MIN_ID, bad, 1), invalid);
  }
  await stillUsable(t, store);
  await store.close();
});

test('version and checksum rules', async (t) => {
  const dir = tempDir('bad-versions');
  t.teardown(dir.remove);
  const store = await openStore(dir.path);
  const id = chunkId(1);
  await writeChunk(store, id, 0, bytes(100, 1), 64 * KiB);
  const update = (updateVersion: number, chainVersion = 1, checksum?: number) => store.update({
    chunkId: id, update: { kind: 'write', offsetBytes: 0, payload: realPayload(bytes(10, 2)), checksum }, updateVersion, chainVersion, chunkSizeBytes: 64 * KiB,
  });
  await t.throwsAsync(update(1), { message: /FLYER_ERR_CHUNK_COMMITTED_UPDATE/ });
  await t.throwsAsync(update(3), { message: /FLYER_ERR_CHUNK_MISSING_UPDATE/ });
  await t.throwsAsync(update(2, 0), { message: /FLYER_ERR_CHUNK_CHAIN_VERSION_MISMATCH/ });
  await t.throwsAsync(update(2, 1, crc32c(bytes(10, 2)) ^ 1), { message: /FLYER_ERR_CHUNK_PAYLOAD_CHECKSUM/ });
  await t.throwsAsync(store.commit(id, 2, 1), { message: /FLYER_ERR_CHUNK_COMMIT_MISMATCH/ }, 'nothing pending');
  const [first, second] = await Promise.allSettled([update(2), update(2)]);
  t.is(first.status, 'fulfilled');
  t.regex(String((second as PromiseRejectedResult).reason), /FLYER_ERR_CHUNK_BUSY/);
  await t.throwsAsync(store.commit(id, 3, 1), { message: /CHUNK_COMMIT_MISMATCH/ });
  t.like(await store.commit(id, 2, 1), { commitVersion: 2 });
  t.is(store.stats().usedSlots, 1, 'failed updates left no slot behind');
  await stillUsable(t, store);
  await store.close();
});

test('a full engine (capacity limit) refuses with CHUNK_NO_SPACE and recovers when space is freed', async (t) => {
  const dir = tempDir('bad-full');
  t.teardown(dir.remove);
  const store = await openStore(dir.path, { capacityBytes: 1 << 20, reserveBytes: 64 * KiB, rejectCreateRatio: 1 });
  let written = 0;
  const error = await (async () => {
    for (;;) {
      try {
        await writeChunk(store, chunkId(written), 0, bytes(60 * KiB, written), 64 * KiB);
        written++;
      } catch (e) {
        return e as Error;
      }
    }
  })();
  t.regex(error.message, /FLYER_ERR_CHUNK_NO_SPACE/);
  t.is(written, 16);
  t.is(store.stats().usedSlots, 16, 'the failed write left no slot behind');
  // Copy-on-write of an existing chunk needs a slot too: refused, old version intact.
  await t.throwsAsync(writeChunk(store, chunkId(0), 0, bytes(10, 1), 64 * KiB), { message: /CHUNK_NO_SPACE/ });
  t.deepEqual(await readAll(store, chunkId(0)), bytes(60 * KiB, 0));
  t.is(await store.removeRange(chunkId(0), chunkId(2), 10), 2);
  await stillUsable(t, store);
  await store.close();
});

test('new chunks are refused above the reject ratio', async (t) => {
  const dir = tempDir('bad-reject');
  t.teardown(dir.remove);
  const store = await openStore(dir.path, { capacityBytes: 1 << 20, reserveBytes: 64 * KiB, rejectCreateRatio: 0.5 });
  for (let n = 0; n < 8; n++) await writeChunk(store, chunkId(n), 0, bytes(100, n), 64 * KiB);
  await t.throwsAsync(writeChunk(store, chunkId(8), 0, bytes(100, 8), 64 * KiB), { message: /CHUNK_NO_SPACE.*refused/ });
  // Updates of existing chunks still go through (in place: no new slot).
  t.like(await writeChunk(store, chunkId(0), 100, bytes(100, 9), 64 * KiB), { lengthBytes: 200 });
  await store.close();
});

test('a full file system (8 MiB tmpfs) gives CHUNK_NO_SPACE and the engine recovers', async (t) => {
  const dir = tempDir('bad-tmpfs');
  t.teardown(dir.remove);
  const mountPoint = `${dir.path}/mnt`;
  mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    t.log(`skipped: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}); the capacity-limit test covers CHUNK_NO_SPACE`);
    t.pass();
    return;
  }
  t.teardown(() => {
    // Lazy: detaches even if a failed assertion left the engine's files open.
    execFileSync('umount', ['-l', mountPoint]);
    rmdirSync(mountPoint);
  });
  // reject ratio 1: run into the file system's own ENOSPC rather than the engine's threshold.
  const store = await openStore(mountPoint, { rejectCreateRatio: 1, reserveBytes: 128 * KiB, walExtendBytes: 64 * KiB, checkpointBytes: 256 * KiB });
  let written = 0;
  let error: Error | undefined;
  while (!error && written < 200) {
    try {
      await writeChunk(store, chunkId(written), 0, bytes(100 * KiB, written), 128 * KiB);
      written++;
    } catch (e) {
      error = e as Error;
    }
  }
  t.regex(String(error), /FLYER_ERR_CHUNK_NO_SPACE/);
  t.true(written > 30 && written < 64, `${written} chunks of 128 KiB fit in 8 MiB`);
  t.is(store.stats().usedSlots, written);
  await store.removeRange(chunkId(0), chunkId(10), 10);
  await stillUsable(t, store);
  for (let n = 10; n < written; n++) t.deepEqual(await readAll(store, chunkId(n)), bytes(100 * KiB, n));
  await store.close();
});

test('read-only engines read but refuse changes; a second engine on the same directory is refused', async (t) => {
  const dir = tempDir('bad-readonly');
  t.teardown(dir.remove);
  let store = await openStore(dir.path);
  await writeChunk(store, chunkId(1), 0, bytes(1000, 1));
  await t.throwsAsync(openStore(dir.path), { message: /FLYER_ERR_CHUNK_ENGINE_LOCKED/ });
  await store.close();
  await t.throwsAsync(store.read(chunkId(1), 0, 1), { message: /FLYER_ERR_CHUNK_ENGINE_CLOSED/ });
  t.throws(() => store.stats(), { message: /CHUNK_ENGINE_CLOSED/ });

  store = await openStore(dir.path, { readOnly: true });
  t.deepEqual(await readAll(store, chunkId(1)), bytes(1000, 1));
  const readOnly = { message: /FLYER_ERR_CHUNK_READ_ONLY/ };
  await t.throwsAsync(store.update({ chunkId: chunkId(2), update: { kind: 'write', offsetBytes: 0, payload: realPayload(bytes(5, 2)) }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 64 * KiB }), readOnly);
  await t.throwsAsync(store.commit(chunkId(1), 2, 1), readOnly);
  await t.throwsAsync(store.removeRange(MIN_ID, MAX_ID, 10), readOnly);
  await t.throwsAsync(store.compact(), readOnly);
  t.true(store.stats().readOnly);
  t.deepEqual(await readAll(store, chunkId(1)), bytes(1000, 1), 'still readable after the refusals');
  await store.close();

  await t.throwsAsync(openStore(`${dir.path}/nothing-here`, {}, false), { message: /FLYER_ERR_INVALID_ARGUMENT.*create is off/ });
  store = await openStore(dir.path);
  await stillUsable(t, store);
  await store.close();
});
