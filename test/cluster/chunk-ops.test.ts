/**
 * The storage chunk operations on a real local cluster (1 manager, 3 storage processes on the native
 * chunk engine, 2 chains of 3 replicas): write a file's chunks, ask for its last chunk, truncate it,
 * read every target's space, remove the file's chunks in batches (twice: removing is idempotent), and
 * check on every replica that exactly the file's chunks are gone.
 */
import { randomBytes } from 'node:crypto';
import test from 'ava';
import { realPayload } from '../../system/env/payload.ts';
import { StorageClient } from '../../system/services/client/storage-client.ts';
import { chunkIdHex, chunkIdOf, chunkIdParts, fileChunkRange } from '../../system/services/common/chunk-key.ts';
import { storageGetAllChunkMetadata } from '../../system/services/storage/messages.ts';
import { connectClusterClient } from './cluster-client.ts';
import { clusterUp, processesUsing, runFlyer, tempClusterDir } from './helpers.ts';

const MS = 1_000_000;
const CHUNK_SIZE_BYTES = 1 << 20;
const INODE = 9;
const CHUNKS = 5;
const RETRY = { attemptTimeoutNs: 2000 * MS, attemptTimeoutNsMax: 4000 * MS, totalTimeoutNs: 30_000 * MS, backoffNs: 50 * MS, backoffNsMax: 500 * MS };

test('real cluster: write, queryLastChunk, truncate, spaceInfo, removeChunks in batches, idempotent again', async (t) => {
  t.timeout(120_000);
  const dir = tempClusterDir(t, 'chunk-ops');
  const up = await clusterUp(dir);
  t.is(up.code, 0, `cluster up failed:\n${up.stderr}`);
  const { env, mgmtd } = await connectClusterClient(t, dir, 'chunk-ops-client');
  const routing = mgmtd.routing()!;
  const chainId = Math.min(...Object.values(routing.chains).map((c) => c.chainId));
  const client = new StorageClient(env, { clientId: 'chunk-ops', routing: mgmtd, retry: RETRY });
  const file = fileChunkRange(INODE);
  const chunkId = (index: number, inode = INODE): string => chunkIdHex(chunkIdOf(inode, index));

  for (let i = 0; i < CHUNKS; i++) {
    const payload = realPayload(new Uint8Array(randomBytes(1000 * (i + 1))));
    await client.write({ chainId, chunkId: chunkId(i), kind: 'write', offsetBytes: 0, payload, chunkSizeBytes: CHUNK_SIZE_BYTES });
  }
  await client.write({ chainId, chunkId: chunkId(0, INODE + 1), kind: 'write', offsetBytes: 0, payload: realPayload('another file'), chunkSizeBytes: CHUNK_SIZE_BYTES });

  const last = await client.queryLastChunk({ chainId, range: file });
  t.like(last, { lastChunk: { chunkId: chunkId(CHUNKS - 1), lengthBytes: 1000 * CHUNKS, commitVersion: 1 }, chunkCount: CHUNKS, totalLengthBytes: 15_000 });
  t.is(chunkIdParts(last.lastChunk!.chunkId).chunkIndex * CHUNK_SIZE_BYTES + last.lastChunk!.lengthBytes, 4 * CHUNK_SIZE_BYTES + 5000, 'the file length meta computes');
  t.deepEqual(await client.queryLastChunk({ chainId, range: file, maxChunksPerCall: 2 }), last, 'paged the same');

  const cut = await client.truncateChunk({ chainId, chunkId: chunkId(CHUNKS - 1), lengthBytes: 123, chunkSizeBytes: CHUNK_SIZE_BYTES });
  t.like(cut, { lengthBytes: 123, commitVersion: 2 });
  t.like(await client.queryLastChunk({ chainId, range: file }), { lastChunk: { lengthBytes: 123, commitVersion: 2 }, chunkCount: CHUNKS });

  const space = await client.spaceInfo();
  t.is(space.length, 6, JSON.stringify(space));
  for (const target of space) {
    t.true(target.ok, JSON.stringify(target));
    if (!target.ok) continue;
    t.true(target.capacityBytes > 0 && target.freeBytes > 0);
    t.true(target.usedBytes + target.freeBytes <= target.capacityBytes);
    t.is(target.nodeId, routing.targets[String(target.targetId)]!.nodeId);
  }

  const batches = [];
  for (let more = true; more; ) {
    const batch = await client.removeChunks({ chainId, range: file, maxChunks: 2 });
    batches.push(batch);
    more = batch.more;
  }
  t.deepEqual(batches, [{ removedCount: 2, more: true }, { removedCount: 2, more: true }, { removedCount: 1, more: false }]);
  t.deepEqual(await client.removeChunks({ chainId, range: file, maxChunks: 2 }), { removedCount: 0, more: false }, 'removing again is no error');
  t.like(await client.removeChunk({ chainId, chunkId: chunkId(0) }), { lengthBytes: 0 });
  t.deepEqual(await client.queryLastChunk({ chainId, range: file }), { lastChunk: undefined, chunkCount: 0, totalLengthBytes: 0 });

  // Every replica of the chain: the file's chunks gone, the other file's chunk still there.
  const chain = mgmtd.routing()!.chains[String(chainId)]!;
  for (const { targetId } of chain.targets) {
    const nodeId = routing.targets[String(targetId)]!.nodeId;
    const metas = await env.rpc.call(nodeId, storageGetAllChunkMetadata, { targetId }, { timeoutNs: 5000 * MS });
    t.deepEqual(metas.metas.map((m) => m.chunkId), [chunkId(0, INODE + 1)], `target ${targetId}`);
  }
  const spaceAfter = await client.spaceInfo();
  t.true(spaceAfter.every((target) => target.ok));

  const down = await runFlyer(['cluster', 'down', '--dir', dir]);
  t.is(down.code, 0, down.stderr);
  t.deepEqual(processesUsing(dir), [], 'no process of the cluster is left');
});
