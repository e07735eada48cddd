import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import { realPayload } from '../../system/env/payload.ts';
import type { Env, RpcMethod } from '../../system/env/types.ts';
import {
  storageBatchRead, storageGetAllChunkMetadata, storageSyncDone, storageSyncStart, storageUpdate, storageWrite,
} from '../../system/services/storage/messages.ts';
import { CHAIN, CHUNK_SIZE, chunkHex, clientWrite, readFrom, TestCluster, writeRequest } from './cluster.ts';

// Goal: every malformed or misrouted request gets a coded error (never a crash or an uncoded failure),
// reads report per io, and the service keeps serving afterwards.

const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'ok', (e: unknown) => (isFlyerError(e) ? e.code : `uncoded: ${String(e)}`));

test('malformed and misrouted requests get coded errors and the service keeps serving', async (t) => {
  const cluster = new TestCluster({ seed: 4, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    await clientWrite(env, cluster, { index: 1, payload: realPayload('data'), seq: 1 });
    const [head, middle, tail] = cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
    const call = <Req, Res>(node: string, method: RpcMethod<Req, Res>, request: unknown): Promise<unknown> => codeOf(env.rpc.call(node, method, request as Req));
    const good = writeRequest(cluster, { index: 2, payload: realPayload('x'), seq: 10 });
    const version = cluster.mgmtd.chain(CHAIN).chainVersion;
    const out: Record<string, unknown> = {
      notObject: await call(head!, storageWrite, 42),
      noKey: await call(head!, storageWrite, { ...good, key: undefined }),
      badChunkId: await call(head!, storageWrite, { ...good, key: { ...good.key, chunkId: 'xyz' } }),
      negativeOffset: await call(head!, storageWrite, { ...good, offsetBytes: -1 }),
      unknownKind: await call(head!, storageWrite, { ...good, kind: 'append' }),
      noPayload: await call(head!, storageWrite, { ...good, payload: undefined }),
      hugeChunk: await call(head!, storageWrite, { ...good, chunkSizeBytes: 2 ** 30 }),
      pastChunkEnd: await call(head!, storageWrite, { ...good, offsetBytes: CHUNK_SIZE }),
      noTag: await call(head!, storageWrite, { ...good, tag: undefined }),
      badChecksum: await call(head!, storageWrite, { ...good, checksum: 12345 }),
      unknownChain: await call(head!, storageWrite, { ...good, key: { ...good.key, chainId: 99 } }),
      notHead: await call(tail!, storageWrite, good),
      forwardFromStranger: await call(tail!, storageUpdate, { ...good, updateVersion: 1, fromTargetId: cluster.targetOf(head!), syncing: false }),
      forwardNoVersion: await call(tail!, storageUpdate, { ...good, fromTargetId: cluster.targetOf(middle!), syncing: false }),
      tooManyIos: await call(tail!, storageBatchRead, { ios: Array.from({ length: 5000 }, () => ({})), requestId: 1 }),
      regionMismatch: await call(tail!, storageBatchRead, { ios: [], requestId: 1, region: { nodeId: 'client', regionId: 1, sizeBytes: 10 }, regionOffsets: [1] }),
      syncStartServing: await call(tail!, storageSyncStart, { chainId: CHAIN, chainVersion: version, targetId: cluster.targetOf(tail!) }),
      syncDoneBad: await call(tail!, storageSyncDone, { chainId: 'one' }),
      metadataUnknownTarget: await call(tail!, storageGetAllChunkMetadata, { targetId: 999 }),
      metadataBad: await call(tail!, storageGetAllChunkMetadata, null),
    };
    const perIo = await env.rpc.call(tail!, storageBatchRead, {
      requestId: 2,
      ios: [
        { key: { chainId: CHAIN, chainVersion: version, chunkId: chunkHex(1) }, offsetBytes: 0, lengthBytes: 4 },
        { key: { chainId: CHAIN, chainVersion: version, chunkId: chunkHex(7) }, offsetBytes: 0, lengthBytes: 4 },
        { key: { chainId: CHAIN, chainVersion: version, chunkId: 'nope' }, offsetBytes: 0, lengthBytes: 4 },
        { key: { chainId: CHAIN, chainVersion: version - 1, chunkId: chunkHex(1) }, offsetBytes: 0, lengthBytes: 4 },
        { key: { chainId: 77, chainVersion: version, chunkId: chunkHex(1) }, offsetBytes: 0, lengthBytes: 4 },
        { key: { chainId: CHAIN, chainVersion: version, chunkId: chunkHex(1) }, offsetBytes: 2, lengthBytes: 100 },
      ],
    });
    const stillServes = await clientWrite(env, cluster, { index: 2, payload: realPayload('fine'), seq: 11 });
    return { out, perIo: perIo.results.map((x) => (x.ok ? `ok:${x.lengthBytes}` : x.code)), stillServes, read: await readFrom(env, cluster, head!, 2) };
  });
  t.deepEqual(r.out, {
    notObject: 'INVALID_ARGUMENT', noKey: 'INVALID_ARGUMENT', badChunkId: 'INVALID_ARGUMENT', negativeOffset: 'INVALID_ARGUMENT',
    unknownKind: 'INVALID_ARGUMENT', noPayload: 'INVALID_ARGUMENT', hugeChunk: 'CHUNK_TOO_LARGE', pastChunkEnd: 'CHUNK_TOO_LARGE',
    noTag: 'INVALID_ARGUMENT', badChecksum: 'CHUNK_PAYLOAD_CHECKSUM', unknownChain: 'STORAGE_TARGET_UNKNOWN', notHead: 'STORAGE_NOT_HEAD',
    forwardFromStranger: 'STORAGE_ROUTING_VERSION_MISMATCH', forwardNoVersion: 'INVALID_ARGUMENT', tooManyIos: 'INVALID_ARGUMENT',
    regionMismatch: 'INVALID_ARGUMENT', syncStartServing: 'STORAGE_TARGET_NOT_SERVING', syncDoneBad: 'INVALID_ARGUMENT',
    metadataUnknownTarget: 'STORAGE_TARGET_UNKNOWN', metadataBad: 'INVALID_ARGUMENT',
  });
  t.deepEqual(r.perIo, ['ok:4', 'CHUNK_NOT_FOUND', 'INVALID_ARGUMENT', 'STORAGE_ROUTING_VERSION_MISMATCH', 'STORAGE_TARGET_UNKNOWN', 'ok:2']);
  t.is(r.stillServes.commitVersion, 1);
  t.like(r.read, { ok: true, lengthBytes: 4 });
  t.deepEqual(cluster.sim.failures, []);
});

test('requests from clients missing from the routing node list are refused when configured', async (t) => {
  const cluster = new TestCluster({ seed: 5, mgmtd: { auto: true, nodes: ['storage-1', 'storage-2', 'storage-3', 'someone-else'] }, storage: { rejectUnknownClients: true } });
  const r = await cluster.run(async (env: Env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    return {
      write: await codeOf(env.rpc.call(cluster.headNode()!, storageWrite, writeRequest(cluster, { index: 1, payload: realPayload('x'), seq: 1 }))),
      read: await codeOf(readFrom(env, cluster, cluster.headNode()!, 1)),
    };
  });
  t.deepEqual(r, { write: 'STORAGE_CLIENT_UNKNOWN', read: 'STORAGE_CLIENT_UNKNOWN' });
});
