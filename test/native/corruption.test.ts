/** On-disk corruption is detected by the chunk's CRC32C and reported with a code, never returned as data. */
import { openSync, readSync, writeSync, closeSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { realPayload } from '../../system/env/payload.ts';
import { bytes, chunkId, openStore, readAll, tempDir, writeChunk } from './helpers.ts';

/** Flips one bit of the byte at `offsetBytes` of the data file that holds it (the engine is closed). */
function flipByte(dataDir: string, offsetBytes: number, fileName: string): void {
  const fd = openSync(join(dataDir, fileName), 'r+');
  const one = Buffer.alloc(1);
  readSync(fd, one, 0, 1, offsetBytes);
  one[0]! ^= 0x10;
  writeSync(fd, one, 0, 1, offsetBytes);
  closeSync(fd);
}

for (const directIo of [true, false]) {
  test(`a flipped byte on disk fails reads with CHUNK_CHECKSUM_MISMATCH (${directIo ? 'direct' : 'buffered'})`, async (t) => {
    const dir = tempDir('corrupt');
    t.teardown(dir.remove);
    let store = await openStore(dir.path, { directIo });
    const victim = chunkId(1);
    const bystander = chunkId(2);
    const data = bytes(100_000, 1);
    await writeChunk(store, victim, 0, data, 128 << 10);
    await writeChunk(store, bystander, 0, bytes(100_000, 2), 128 << 10);
    const where = store.locate(victim);
    store.unpin(where.pinToken);
    await store.close();
    t.deepEqual(readdirSync(join(dir.path, 'data')), ['class-128k.dat']);
    flipByte(join(dir.path, 'data'), where.offsetBytes + 54_321, 'class-128k.dat');

    store = await openStore(dir.path, { directIo });
    await t.throwsAsync(store.read(victim, 0, 100_000), { message: /FLYER_ERR_CHUNK_CHECKSUM_MISMATCH.*stored crc32c/ });
    await t.throwsAsync(store.read(victim, 0, 10), { message: /CHUNK_CHECKSUM_MISMATCH/ }, 'partial reads verify the whole chunk');
    // Copy-on-write from the damaged copy is refused rather than spreading the damage.
    await t.throwsAsync(store.update({ chunkId: victim, update: { kind: 'write', offsetBytes: 0, payload: realPayload(bytes(10, 3)) }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 128 << 10 }),
      { message: /CHUNK_CHECKSUM_MISMATCH/ });
    // Everything else keeps working, and a full replace (what resync sends) repairs the chunk.
    t.deepEqual(await readAll(store, bystander), bytes(100_000, 2));
    const pending = await store.update({ chunkId: victim, update: { kind: 'replace', payload: realPayload(data) }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 128 << 10 });
    await store.commit(victim, pending.updateVersion, 1);
    t.deepEqual(await readAll(store, victim), data);
    await store.close();
  });
}

test('with verifyReads "whole-chunk", whole reads still catch corruption', async (t) => {
  const dir = tempDir('corrupt-whole');
  t.teardown(dir.remove);
  let store = await openStore(dir.path, { verifyReads: 'whole-chunk' });
  await writeChunk(store, chunkId(1), 0, bytes(20_000, 4), 64 << 10);
  const where = store.locate(chunkId(1));
  store.unpin(where.pinToken);
  await store.close();
  flipByte(join(dir.path, 'data'), where.offsetBytes + 15_000, 'class-64k.dat');
  store = await openStore(dir.path, { verifyReads: 'whole-chunk' });
  await t.throwsAsync(store.read(chunkId(1), 0, 20_000), { message: /CHUNK_CHECKSUM_MISMATCH/ });
  const untouched = await store.read(chunkId(1), 0, 4096);
  t.is(untouched.payload.sizeBytes, 4096, 'partial reads are not verified in this mode (documented)');
  await store.close();
});

test('a corrupt checkpoint is reported, not silently dropped', async (t) => {
  const dir = tempDir('corrupt-meta');
  t.teardown(dir.remove);
  const store = await openStore(dir.path);
  await writeChunk(store, chunkId(1), 0, bytes(100, 5));
  await store.close();
  flipByte(join(dir.path, 'meta'), 30, 'checkpoint');
  await t.throwsAsync(openStore(dir.path), { message: /CHUNK_METADATA_CORRUPT/ });
});
