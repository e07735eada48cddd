import test from 'ava';
import { crc32c } from '../../system/env/crc32c.ts';
import { RealPayload } from '../../system/env/payload.ts';
import { alignedBuffer } from '../../system/real/chunk-engine/read-buffers.ts';
import { bytes, chunkId, openStore, tempDir } from './helpers.ts';

const KiB = 1024;

/**
 * A write whose payload knows its CRC32C (the RPC transport computed it over the bytes as they arrived)
 * and whose checksum is that CRC is taken as verified: the engine stores it without reading the payload
 * again. Shown with a value that is wrong on purpose: the engine keeps it, and a read catches it.
 */
for (const [layout, aligned] of [['aligned, written in place', true], ['unaligned, copied', false]] as const) {
  test(`a verified checksum is taken as the chunk's, not recomputed (${layout})`, async (t) => {
    const dir = tempDir('verified-crc');
    t.teardown(dir.remove);
    const store = await openStore(dir.path);
    const content = bytes(256 * KiB, 7);
    const data = aligned ? alignedBuffer(content.length) : new Uint8Array(content.length + 1).subarray(1);
    data.set(content);
    const vouched = (crc32c(content) ^ 0x5a5a) >>> 0;
    const meta = await store.update({
      chunkId: chunkId(1), update: { kind: 'write', offsetBytes: 0, payload: new RealPayload(data, vouched), checksum: vouched },
      updateVersion: 0, chainVersion: 1, chunkSizeBytes: 1024 * KiB,
    });
    const committed = await store.commit(chunkId(1), meta.updateVersion, 1);
    t.is(committed.crc32c, vouched);
    await t.throwsAsync(store.read(chunkId(1), 0, content.length), { message: /FLYER_ERR_CHUNK_CHECKSUM_MISMATCH/ });
    await store.close();
  });
}

test('a checksum the payload does not vouch for is still checked, and an append extends a verified one', async (t) => {
  const dir = tempDir('verified-crc-append');
  t.teardown(dir.remove);
  const store = await openStore(dir.path);
  const first = bytes(64 * KiB, 1);
  const second = bytes(64 * KiB, 2);
  const write = async (offsetBytes: number, data: Uint8Array, payload: RealPayload, checksum: number) => {
    const meta = await store.update({ chunkId: chunkId(2), update: { kind: 'write', offsetBytes, payload, checksum }, updateVersion: 0, chainVersion: 1, chunkSizeBytes: 1024 * KiB });
    return store.commit(chunkId(2), meta.updateVersion, 1);
  };
  // A write whose checksum is not the one the payload knows is verified the usual way.
  await t.throwsAsync(write(0, first, new RealPayload(first, crc32c(first)), crc32c(first) ^ 1), { message: /FLYER_ERR_CHUNK_PAYLOAD_CHECKSUM/ });
  await write(0, first, new RealPayload(first, crc32c(first)), crc32c(first));
  const appended = await write(first.length, second, new RealPayload(second, crc32c(second)), crc32c(second));
  const whole = new Uint8Array(first.length + second.length);
  whole.set(first);
  whole.set(second, first.length);
  t.is(appended.crc32c, crc32c(whole));
  const read = (await store.read(chunkId(2), 0, whole.length)).payload as RealPayload;
  t.is(Buffer.compare(read.bytes, whole), 0);
  t.is(read.knownCrc32c, crc32c(whole));
  await store.close();
});
