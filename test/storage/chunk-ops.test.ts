import test from 'ava';
import { materialize, realPayload, syntheticPayload } from '../../system/env/payload.ts';
import { chunkIdParts, fileChunkRange } from '../../system/services/common/chunk-key.ts';
import { storageQueryLastChunk, storageSpaceInfo } from '../../system/services/storage/messages.ts';
import { allMetas, CHAIN, CHUNK_SIZE, chunkHex, clientWrite, readFrom, TestCluster } from './cluster.ts';
import { chunkOf, codeOf, FILE, INODE, storageClient } from './chunk-ops-helpers.ts';

// Goal: the storage service's chunk operations for meta, end to end through the StorageClient on a
// simulated 3-replica chain: queryLastChunk gives the last committed chunk, its length and the count
// (paged or not), truncates cut and extend chunks on every replica, removeChunks empties a range in
// batches, is idempotent and exactly once, and spaceInfo reports every target's space.

const bytesOf = (index: number): Uint8Array => new Uint8Array((index + 1) * 100).map((_, i) => (i * 7 + index) & 0xff);

test('queryLastChunk: last committed chunk, its length and the count, in one call or page by page', async (t) => {
  const cluster = new TestCluster({ seed: 21, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const client = storageClient(env, cluster);
    const empty = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    for (let i = 0; i < 7; i++) await client.write({ chainId: CHAIN, chunkId: chunkHex(i), kind: 'write', offsetBytes: 0, payload: realPayload(bytesOf(i)), chunkSizeBytes: CHUNK_SIZE });
    // Neighbours outside the file's range must not count.
    await client.write({ chainId: CHAIN, chunkId: chunkOf(INODE + 1, 0), kind: 'write', offsetBytes: 0, payload: realPayload('next file'), chunkSizeBytes: CHUNK_SIZE });
    await client.write({ chainId: CHAIN, chunkId: chunkOf(INODE - 1, 99), kind: 'write', offsetBytes: 0, payload: realPayload('previous file'), chunkSizeBytes: CHUNK_SIZE });
    const whole = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    const paged = await client.queryLastChunk({ chainId: CHAIN, range: FILE, maxChunksPerCall: 2 });
    const fromFour = await client.queryLastChunk({ chainId: CHAIN, range: fileChunkRange(INODE, 4) });
    const version = cluster.mgmtd.chain(CHAIN).chainVersion;
    const [head, , tail] = cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
    const firstPage = await env.rpc.call(tail!, storageQueryLastChunk, { chainId: CHAIN, chainVersion: version, range: FILE, maxChunks: 3 });
    // Committed data only: a first write still in flight (the tail paused) is not a chunk yet.
    cluster.mgmtd.auto = false;
    cluster.sim.pause(tail!);
    const inFlight = client.write({ chainId: CHAIN, chunkId: chunkHex(7), kind: 'write', offsetBytes: 0, payload: realPayload('pending'), chunkSizeBytes: CHUNK_SIZE });
    await env.clock.sleep(30_000_000);
    const duringWrite = await env.rpc.call(head!, storageQueryLastChunk, { chainId: CHAIN, chainVersion: version, range: FILE, maxChunks: 100 });
    cluster.sim.resume(tail!);
    await inFlight;
    cluster.mgmtd.auto = true;
    const afterWrite = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    return { empty, whole, paged, fromFour, firstPage, duringWrite, afterWrite };
  });
  t.deepEqual(r.empty, { lastChunk: undefined, chunkCount: 0, totalLengthBytes: 0 });
  t.deepEqual(r.whole, { lastChunk: { chunkId: chunkHex(6), lengthBytes: 700, commitVersion: 1 }, chunkCount: 7, totalLengthBytes: 2800 });
  t.deepEqual(r.paged, r.whole, 'paging gives the same answer');
  t.like(r.fromFour, { lastChunk: { chunkId: chunkHex(6) }, chunkCount: 3, totalLengthBytes: 500 + 600 + 700 });
  t.deepEqual(r.firstPage, { lastChunk: { chunkId: chunkHex(2), lengthBytes: 300, commitVersion: 1 }, chunkCount: 3, totalLengthBytes: 600, more: true, resumeFrom: chunkHex(3) });
  t.like(r.duringWrite, { lastChunk: { chunkId: chunkHex(6) }, chunkCount: 7, more: false });
  t.like(r.afterWrite, { lastChunk: { chunkId: chunkHex(7), lengthBytes: 7 }, chunkCount: 8 });
  // What meta does with it: the file's length.
  const last = r.whole.lastChunk!;
  t.is(chunkIdParts(last.chunkId).chunkIndex * CHUNK_SIZE + last.lengthBytes, 6 * CHUNK_SIZE + 700);
  t.deepEqual(chunkIdParts(last.chunkId), { inodeId: INODE, track: 0, chunkIndex: 6 });
});

test('truncate cuts and extends chunks on every replica; a file truncate is a cut plus a range remove, and queries see it', async (t) => {
  const cluster = new TestCluster({ seed: 22, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const client = storageClient(env, cluster);
    for (let i = 0; i < 6; i++) await client.write({ chainId: CHAIN, chunkId: chunkHex(i), kind: 'write', offsetBytes: 0, payload: realPayload(bytesOf(i)), chunkSizeBytes: CHUNK_SIZE });
    const cut = await client.truncateChunk({ chainId: CHAIN, chunkId: chunkHex(5), lengthBytes: 50, chunkSizeBytes: CHUNK_SIZE });
    const afterCut = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    const extended = await client.truncateChunk({ chainId: CHAIN, chunkId: chunkHex(5), lengthBytes: 2000, chunkSizeBytes: CHUNK_SIZE });
    const afterExtend = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    const reads = await Promise.all(cluster.storageNodes.map((node) => readFrom(env, cluster, node, 5)));
    // Truncate the file to 2 chunks + 250 bytes, as a client does: cut the new last chunk, remove the rest.
    await client.truncateChunk({ chainId: CHAIN, chunkId: chunkHex(2), lengthBytes: 250, chunkSizeBytes: CHUNK_SIZE });
    const removed = await client.removeChunks({ chainId: CHAIN, range: fileChunkRange(INODE, 3), maxChunks: 32 });
    const afterFileTruncate = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    // A truncate of a chunk that does not exist creates it, zero-filled (3FS EXTEND).
    await client.truncateChunk({ chainId: CHAIN, chunkId: chunkHex(9), lengthBytes: 10, chunkSizeBytes: CHUNK_SIZE });
    const afterCreate = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    const tooLong = await codeOf(client.truncateChunk({ chainId: CHAIN, chunkId: chunkHex(0), lengthBytes: CHUNK_SIZE + 1, chunkSizeBytes: CHUNK_SIZE }));
    return { cut, afterCut, extended, afterExtend, reads, removed, afterFileTruncate, afterCreate, tooLong, metas: await allMetas(env, cluster) };
  });
  t.like(r.cut, { lengthBytes: 50, commitVersion: 2 });
  t.like(r.afterCut, { lastChunk: { chunkId: chunkHex(5), lengthBytes: 50, commitVersion: 2 }, chunkCount: 6 });
  t.like(r.extended, { lengthBytes: 2000, commitVersion: 3 });
  t.like(r.afterExtend, { lastChunk: { chunkId: chunkHex(5), lengthBytes: 2000 } });
  const want = new Uint8Array(2000);
  want.set(bytesOf(5).subarray(0, 50));
  for (const read of r.reads) t.deepEqual(read.ok ? materialize(read.payload!) : read.code, want, 'the cut bytes come back as zeros on every replica');
  t.deepEqual(r.removed, { removedCount: 3, more: false });
  t.deepEqual(r.afterFileTruncate, { lastChunk: { chunkId: chunkHex(2), lengthBytes: 250, commitVersion: 2 }, chunkCount: 3, totalLengthBytes: 100 + 200 + 250 });
  t.like(r.afterCreate, { lastChunk: { chunkId: chunkHex(9), lengthBytes: 10, commitVersion: 1 }, chunkCount: 4 });
  t.is(r.tooLong, 'CHUNK_TOO_LARGE');
  const [first, ...rest] = [...r.metas.values()];
  t.is(first!.length, 4);
  for (const metas of rest) t.deepEqual(metas, first, 'identical chunks on every replica');
});

test('removeChunks empties a range in batches on every replica, is idempotent and exactly once; spaceInfo follows', async (t) => {
  const capacityBytes = 64 * 2 ** 20;
  const cluster = new TestCluster({ seed: 23, mgmtd: { auto: true }, chunkStore: { capacityBytes } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const client = storageClient(env, cluster);
    const spaceEmpty = await client.spaceInfo();
    for (let i = 0; i < 10; i++) {
      await client.write({ chainId: CHAIN, chunkId: chunkHex(i), kind: 'write', offsetBytes: 0, payload: syntheticPayload({ contentSeed: i, offsetBytes: 0, sizeBytes: 4096 }), chunkSizeBytes: CHUNK_SIZE });
    }
    await client.write({ chainId: CHAIN, chunkId: chunkOf(INODE + 1, 0), kind: 'write', offsetBytes: 0, payload: realPayload('keep me'), chunkSizeBytes: CHUNK_SIZE });
    const spaceFull = await client.spaceInfo();
    const batches = [];
    for (let more = true; more; ) {
      const batch = await client.removeChunks({ chainId: CHAIN, range: FILE, maxChunks: 4 });
      batches.push(batch);
      more = batch.more;
    }
    const again = await client.removeChunks({ chainId: CHAIN, range: FILE, maxChunks: 4 });
    const missing = await client.removeChunk({ chainId: CHAIN, chunkId: chunkHex(3) });
    const query = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    const spaceAfter = await client.spaceInfo();
    // Exactly once: a remove retried with its (channel, seq) after a newer write does not remove again.
    await clientWrite(env, cluster, { index: 20, payload: realPayload('v1'), seq: 1, channelId: 9, clientId: 'raw' });
    const remove = await clientWrite(env, cluster, { index: 20, kind: 'remove', seq: 2, channelId: 9, clientId: 'raw' });
    await clientWrite(env, cluster, { index: 20, payload: realPayload('v2'), seq: 1, channelId: 10, clientId: 'raw' });
    const retried = await clientWrite(env, cluster, { index: 20, kind: 'remove', seq: 2, channelId: 9, clientId: 'raw' });
    const survivor = await readFrom(env, cluster, cluster.headNode()!, 20);
    const version = cluster.mgmtd.chain(CHAIN).chainVersion;
    const oneTarget = await env.rpc.call(cluster.storageNodes[0]!, storageSpaceInfo, { targetIds: [cluster.targetOf(cluster.storageNodes[0]!)] });
    return { spaceEmpty, spaceFull, batches, again, missing, query, spaceAfter, remove, retried, survivor, version, oneTarget, metas: await allMetas(env, cluster) };
  });
  t.deepEqual(r.batches, [{ removedCount: 4, more: true }, { removedCount: 4, more: true }, { removedCount: 2, more: false }]);
  t.deepEqual(r.again, { removedCount: 0, more: false }, 'removing an empty range succeeds');
  t.like(r.missing, { lengthBytes: 0 });
  t.deepEqual(r.query, { lastChunk: undefined, chunkCount: 0, totalLengthBytes: 0 });
  for (const metas of r.metas.values()) {
    t.deepEqual(metas.map((m) => m.chunkId), [chunkOf(INODE, 20), chunkOf(INODE + 1, 0)].sort(), 'only the other file (and the re-written chunk) is left on every replica');
  }
  t.deepEqual(r.retried, r.remove, 'the retried remove was answered from the channel table');
  t.true(r.survivor.ok && new TextDecoder().decode(materialize(r.survivor.payload!)) === 'v2', 'the newer write survived the retried remove');
  t.is(r.spaceEmpty.length, 3);
  for (const [i, space] of r.spaceFull.entries()) {
    t.true(space.ok && r.spaceEmpty[i]!.ok);
    if (!space.ok || !r.spaceEmpty[i]!.ok || !r.spaceAfter[i]!.ok) continue;
    t.is(space.capacityBytes, capacityBytes);
    t.is(space.nodeId, cluster.nodeOf(space.targetId));
    t.is(space.usedBytes - r.spaceEmpty[i]!.usedBytes, 10 * 4096 + 7, 'every replica holds every chunk');
    t.is(space.usedBytes + space.freeBytes, capacityBytes);
    t.is(r.spaceAfter[i]!.usedBytes, r.spaceEmpty[i]!.usedBytes + 7, 'removed chunks free their space');
  }
  t.deepEqual(r.oneTarget.targets.map((x) => x.targetId), [101]);
});
