import test from 'ava';
import fc from 'fast-check';
import { isFlyerError } from '../../system/env/errors.ts';
import { materialize, payloadEquals, realPayload, syntheticPayload, type Payload } from '../../system/env/payload.ts';
import { RegionTable } from '../../system/real/bulk-region.ts';
import { startCluster } from './helpers.ts';

function pattern(sizeBytes: number, salt: number): Uint8Array {
  const bytes = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) bytes[i] = (i * 31 + salt) & 0xff;
  return bytes;
}

test('a region matches a flat byte model under random overlapping writes', (t) => {
  const sizeBytes = 256;
  const write = fc.record({
    offsetBytes: fc.integer({ min: 0, max: sizeBytes }),
    lengthBytes: fc.integer({ min: 0, max: 96 }),
    synthetic: fc.boolean(),
    seed: fc.integer({ min: 0, max: 5 }),
  });
  fc.assert(fc.property(fc.array(write, { maxLength: 20 }), fc.integer({ min: 0, max: sizeBytes }), fc.integer({ min: 0, max: sizeBytes }), (writes, from, to) => {
    const region = new RegionTable('n').register(sizeBytes);
    const model = new Uint8Array(sizeBytes);
    for (const w of writes) {
      const lengthBytes = Math.min(w.lengthBytes, sizeBytes - w.offsetBytes);
      const payload: Payload = w.synthetic
        ? syntheticPayload({ contentSeed: w.seed, offsetBytes: w.offsetBytes * 3, sizeBytes: lengthBytes })
        : realPayload(pattern(lengthBytes, w.seed));
      region.write(w.offsetBytes, payload);
      model.set(materialize(payload), w.offsetBytes);
    }
    const [begin, end] = from <= to ? [from, to] : [to, from];
    return Buffer.from(materialize(region.read(begin, end - begin))).equals(model.subarray(begin, end));
  }), { numRuns: 200 });
  t.pass();
});

test('synthetic writes stay synthetic, and regions police their bounds and lifetime', (t) => {
  const table = new RegionTable('n');
  const region = table.register(1 << 30);
  const big = syntheticPayload({ contentSeed: 9, sizeBytes: 1 << 29 });
  region.write(0, big);
  region.write(1 << 29, syntheticPayload({ contentSeed: 9, offsetBytes: 1 << 29, sizeBytes: 1 << 29 }));
  const whole = region.read(0, 1 << 30);
  t.is(whole.kind, 'synthetic', 'contiguous pieces of one stream read back without allocating');
  t.true(payloadEquals(region.read(100, 50), syntheticPayload({ contentSeed: 9, offsetBytes: 100, sizeBytes: 50 })));
  t.true(isFlyerError(t.throws(() => region.write((1 << 30) - 1, realPayload('ab'))), 'RPC_REGION_BOUNDS'));
  t.true(isFlyerError(t.throws(() => region.read(-1, 1)), 'RPC_REGION_BOUNDS'));
  t.is(table.size, 1);
  region.release();
  t.is(table.size, 0);
  t.true(isFlyerError(t.throws(() => table.get(region.ref.regionId)), 'RPC_UNKNOWN_REGION'));
  t.true(isFlyerError(t.throws(() => region.read(0, 1)), 'RPC_UNKNOWN_REGION'));
});

test('bulkWrite and bulkRead move 4 MiB of real bytes between two envs', async (t) => {
  const cluster = await startCluster(['storage', 'client']);
  t.teardown(() => cluster.close());
  const [storage, client] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  const sizeBytes = 4 * 1024 * 1024;
  const region = client.rpc.registerRegion(sizeBytes);
  const bytes = pattern(sizeBytes, 7);
  // The storage node pushes into the client's buffer (RDMA WRITE), then pulls it back (RDMA READ).
  await storage.rpc.bulkWrite(region.ref, 0, realPayload(bytes));
  t.true(Buffer.from(materialize(region.read(0, sizeBytes))).equals(bytes));
  const back = await storage.rpc.bulkRead(region.ref, 0, sizeBytes);
  t.is(back.kind, 'real');
  t.true(Buffer.from(materialize(back)).equals(bytes));
  const middle = await storage.rpc.bulkRead(region.ref, 1000, 5000);
  t.true(Buffer.from(materialize(middle)).equals(bytes.subarray(1000, 6000)));
});

test('synthetic and mixed regions travel as identities or bytes as needed', async (t) => {
  const cluster = await startCluster(['storage', 'client']);
  t.teardown(() => cluster.close());
  const [storage, client] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  const region = storage.rpc.registerRegion(1 << 30);
  const synthetic = syntheticPayload({ contentSeed: 1234, offsetBytes: 4096, sizeBytes: 1 << 30 });
  await client.rpc.bulkWrite(region.ref, 0, synthetic);
  const read = await client.rpc.bulkRead(region.ref, 0, 1 << 30);
  t.is(read.kind, 'synthetic', 'a 1 GiB synthetic region reads back without moving 1 GiB');
  t.true(payloadEquals(read, synthetic));

  const mixed = storage.rpc.registerRegion(64);
  await client.rpc.bulkWrite(mixed.ref, 8, realPayload('real bytes'));
  const landed = mixed.read(8, 10);
  t.is(landed.kind === 'real' ? landed.bytes.buffer.byteLength : -1, 10, 'a small write is copied out of the socket buffer');
  await client.rpc.bulkWrite(mixed.ref, 30, syntheticPayload({ contentSeed: 5, sizeBytes: 20 }));
  const expected = new Uint8Array(64);
  expected.set(new TextEncoder().encode('real bytes'), 8);
  expected.set(materialize(syntheticPayload({ contentSeed: 5, sizeBytes: 20 })), 30);
  const got = await client.rpc.bulkRead(mixed.ref, 0, 64);
  t.true(Buffer.from(materialize(got)).equals(expected), 'gaps read as zeros, pieces in place');
  const empty = await client.rpc.bulkRead(mixed.ref, 64, 0);
  t.is(empty.sizeBytes, 0);
});

test('bulk verbs report region bounds and unknown regions with their codes', async (t) => {
  const cluster = await startCluster(['storage', 'client']);
  t.teardown(() => cluster.close());
  const [storage, client] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  const region = storage.rpc.registerRegion(1024);
  const local = await t.throwsAsync(client.rpc.bulkWrite(region.ref, 1000, realPayload(new Uint8Array(100))));
  t.true(isFlyerError(local, 'RPC_REGION_BOUNDS'));
  t.true(isFlyerError(await t.throwsAsync(client.rpc.bulkRead(region.ref, 1025, 0)), 'RPC_REGION_BOUNDS'));
  // A ref that lies about its size gets past the caller's check; the owner still refuses.
  const forged = { ...region.ref, sizeBytes: 1 << 20 };
  t.true(isFlyerError(await t.throwsAsync(client.rpc.bulkWrite(forged, 1000, realPayload(new Uint8Array(100)))), 'RPC_REGION_BOUNDS'));
  t.true(isFlyerError(await t.throwsAsync(client.rpc.bulkRead(forged, 0, 2048)), 'RPC_REGION_BOUNDS'));
  const unknown = { ...region.ref, regionId: 999 };
  t.true(isFlyerError(await t.throwsAsync(client.rpc.bulkRead(unknown, 0, 10)), 'RPC_UNKNOWN_REGION'));
  region.release();
  t.true(isFlyerError(await t.throwsAsync(client.rpc.bulkWrite(region.ref, 0, realPayload('x'))), 'RPC_UNKNOWN_REGION'));
  t.is(storage.rpc.regionCount, 0);
  // Bulk verbs to this node's own region go through loopback as well.
  const own = client.rpc.registerRegion(16);
  await client.rpc.bulkWrite(own.ref, 0, realPayload('0123456789abcdef'));
  t.is(Buffer.from(materialize(await client.rpc.bulkRead(own.ref, 4, 4))).toString(), '4567');
});
