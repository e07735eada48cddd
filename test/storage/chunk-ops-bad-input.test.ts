import test from 'ava';
import { realPayload } from '../../system/env/payload.ts';
import type { RpcMethod } from '../../system/env/types.ts';
import { storageListChunks, storageQueryLastChunk, storageSpaceInfo } from '../../system/services/storage/messages.ts';
import { allMetas, CHAIN, CHUNK_SIZE, chunkHex, TestCluster } from './cluster.ts';
import { codeOf, FILE, storageClient } from './chunk-ops-helpers.ts';

// Goal: malformed or misrouted chunk range and space requests get coded errors, change nothing on any
// replica, and the service keeps serving; the client gives up at once on errors no retry can fix.

test('bad chunk range and space requests get coded errors and change nothing', async (t) => {
  const cluster = new TestCluster({ seed: 24, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const client = storageClient(env, cluster);
    for (let i = 0; i < 3; i++) await client.write({ chainId: CHAIN, chunkId: chunkHex(i), kind: 'write', offsetBytes: 0, payload: realPayload(`chunk ${i}`), chunkSizeBytes: CHUNK_SIZE });
    const before = await allMetas(env, cluster);
    const [head, , tail] = cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
    const version = cluster.mgmtd.chain(CHAIN).chainVersion;
    const good = { chainId: CHAIN, chainVersion: version, range: FILE, maxChunks: 10 };
    const call = <Req, Res>(node: string, method: RpcMethod<Req, Res>, request: unknown): Promise<string> => codeOf(env.rpc.call(node, method, request as Req));
    const rangeCases = (node: string, method: RpcMethod<unknown, unknown>) => ({
      notObject: call(node, method, 'range'),
      noRange: call(node, method, { ...good, range: undefined }),
      badBegin: call(node, method, { ...good, range: { begin: 'zz', end: FILE.end } }),
      shortEnd: call(node, method, { ...good, range: { begin: FILE.begin, end: FILE.end.slice(2) } }),
      inverted: call(node, method, { ...good, range: { begin: FILE.end, end: FILE.begin } }),
      zeroMax: call(node, method, { ...good, maxChunks: 0 }),
      negativeMax: call(node, method, { ...good, maxChunks: -1 }),
      fractionalMax: call(node, method, { ...good, maxChunks: 1.5 }),
      badVersion: call(node, method, { ...good, chainVersion: 'one' }),
      unknownChain: call(node, method, { ...good, chainId: 99 }),
      staleVersion: call(node, method, { ...good, chainVersion: version - 1 }),
      good: call(node, method, good),
    });
    const settle = async (cases: Record<string, Promise<string>>): Promise<Record<string, string>> =>
      Object.fromEntries(await Promise.all(Object.entries(cases).map(async ([k, v]) => [k, await v] as const)));
    const query = await settle(rangeCases(tail!, storageQueryLastChunk as RpcMethod<unknown, unknown>));
    const list = await settle(rangeCases(head!, storageListChunks as RpcMethod<unknown, unknown>));
    const space = await settle({
      notObject: call(head!, storageSpaceInfo, null),
      notArray: call(head!, storageSpaceInfo, { targetIds: 101 }),
      negativeId: call(head!, storageSpaceInfo, { targetIds: [-1] }),
      tooMany: call(head!, storageSpaceInfo, { targetIds: Array.from({ length: 5000 }, (_, i) => i) }),
    });
    const unknownTarget = await env.rpc.call(head!, storageSpaceInfo, { targetIds: [999, cluster.targetOf(head!)] });
    const viaClient = await settle({
      removeInverted: codeOf(client.removeChunks({ chainId: CHAIN, range: { begin: FILE.end, end: FILE.begin }, maxChunks: 4 })),
      removeZero: codeOf(client.removeChunks({ chainId: CHAIN, range: FILE, maxChunks: 0 })),
      removeBadId: codeOf(client.removeChunks({ chainId: CHAIN, range: { begin: 'x', end: FILE.end }, maxChunks: 4 })),
      queryInverted: codeOf(client.queryLastChunk({ chainId: CHAIN, range: { begin: FILE.end, end: FILE.begin } })),
      queryZero: codeOf(client.queryLastChunk({ chainId: CHAIN, range: FILE, maxChunksPerCall: 0 })),
      truncateNegative: codeOf(client.truncateChunk({ chainId: CHAIN, chunkId: chunkHex(0), lengthBytes: -1, chunkSizeBytes: CHUNK_SIZE })),
      truncateTooLong: codeOf(client.truncateChunk({ chainId: CHAIN, chunkId: chunkHex(0), lengthBytes: CHUNK_SIZE + 1, chunkSizeBytes: CHUNK_SIZE })),
      removeBadChunkId: codeOf(client.removeChunk({ chainId: CHAIN, chunkId: 'nope' })),
    });
    const startedNs = env.clock.now();
    const unknownChain = await codeOf(client.queryLastChunk({ chainId: 99, range: FILE }));
    const unknownChainNs = env.clock.now() - startedNs;
    const after = await allMetas(env, cluster);
    const stillServes = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
    return { query, list, space, unknownTarget, viaClient, unknownChain, unknownChainNs, before, after, stillServes };
  });
  const expected = {
    notObject: 'INVALID_ARGUMENT', noRange: 'INVALID_ARGUMENT', badBegin: 'INVALID_ARGUMENT', shortEnd: 'INVALID_ARGUMENT',
    inverted: 'STORAGE_CHUNK_RANGE_INVALID', zeroMax: 'INVALID_ARGUMENT', negativeMax: 'INVALID_ARGUMENT', fractionalMax: 'INVALID_ARGUMENT',
    badVersion: 'INVALID_ARGUMENT', unknownChain: 'STORAGE_TARGET_UNKNOWN', staleVersion: 'STORAGE_ROUTING_VERSION_MISMATCH', good: 'ok',
  };
  t.deepEqual(r.query, expected);
  t.deepEqual(r.list, expected);
  t.deepEqual(r.space, { notObject: 'INVALID_ARGUMENT', notArray: 'INVALID_ARGUMENT', negativeId: 'INVALID_ARGUMENT', tooMany: 'INVALID_ARGUMENT' });
  t.like(r.unknownTarget.targets[0], { targetId: 999, ok: false, code: 'STORAGE_TARGET_UNKNOWN' });
  t.like(r.unknownTarget.targets[1], { ok: true });
  t.deepEqual(r.viaClient, {
    removeInverted: 'STORAGE_CHUNK_RANGE_INVALID', removeZero: 'INVALID_ARGUMENT', removeBadId: 'INVALID_ARGUMENT',
    queryInverted: 'STORAGE_CHUNK_RANGE_INVALID', queryZero: 'INVALID_ARGUMENT', truncateNegative: 'INVALID_ARGUMENT',
    truncateTooLong: 'CHUNK_TOO_LARGE', removeBadChunkId: 'INVALID_ARGUMENT',
  });
  // A chain missing from the routing may appear with the next snapshot: the client retries until its deadline.
  t.is(r.unknownChain, 'CLIENT_RETRIES_EXHAUSTED');
  t.true(r.unknownChainNs >= 20_000_000_000);
  t.deepEqual(r.after, r.before, 'no replica changed');
  t.like(r.stillServes, { chunkCount: 3, lastChunk: { chunkId: chunkHex(2) } });
  t.deepEqual(cluster.sim.failures, []);
});

test('range requests from clients missing from the routing node list are refused when configured', async (t) => {
  const cluster = new TestCluster({ seed: 25, mgmtd: { auto: true, nodes: ['storage-1', 'storage-2', 'storage-3', 'someone-else'] }, storage: { rejectUnknownClients: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const request = { chainId: CHAIN, chainVersion: cluster.mgmtd.chain(CHAIN).chainVersion, range: FILE, maxChunks: 10 };
    return {
      query: await codeOf(env.rpc.call(cluster.headNode()!, storageQueryLastChunk, request)),
      list: await codeOf(env.rpc.call(cluster.headNode()!, storageListChunks, request)),
    };
  });
  t.deepEqual(r, { query: 'STORAGE_CLIENT_UNKNOWN', list: 'STORAGE_CLIENT_UNKNOWN' });
});
