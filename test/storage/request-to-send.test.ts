import test from 'ava';
import { materialize, realPayload } from '../../system/env/payload.ts';
import { payloadChecksum } from '../../system/services/storage/chunk-content.ts';
import { rdmaControlApply, storageBatchRead } from '../../system/services/storage/messages.ts';
import { CHAIN, chunkHex, clientWrite, TestCluster } from './cluster.ts';

// Goal: with request-to-send, a storage node asks the reading client for a transmission token before it
// pushes data (inline or into the client's region), goes ahead after its timeout if no grant comes, and
// asks nothing when the request does not want the gate.

test('reads ask the client for a transmission grant before pushing data', async (t) => {
  const cluster = new TestCluster({ seed: 6, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    const grants: number[] = [];
    env.rpc.serve(rdmaControlApply, async ({ requestId }) => {
      grants.push(requestId);
      if (requestId === 13) await env.clock.sleep(2_000_000_000); // a client that never grants in time
      return { granted: true };
    });
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    await clientWrite(env, cluster, { index: 1, payload: realPayload('request to send'), seq: 1 });
    const tail = cluster.nodeOf(cluster.mgmtd.chain(CHAIN).targets.at(-1)!.targetId);
    const version = cluster.mgmtd.chain(CHAIN).chainVersion;
    const io = { key: { chainId: CHAIN, chainVersion: version, chunkId: chunkHex(1) }, offsetBytes: 0, lengthBytes: 15 };
    const inline = await env.rpc.call(tail, storageBatchRead, { ios: [io], requestId: 11, requestToSend: true });
    const region = env.rpc.registerRegion(4096);
    const pushed = await env.rpc.call(tail, storageBatchRead, { ios: [io], requestId: 12, requestToSend: true, region: region.ref, regionOffsets: [100] });
    const startNs = env.clock.now();
    const ungranted = await env.rpc.call(tail, storageBatchRead, { ios: [io], requestId: 13, requestToSend: true });
    const ungrantedNs = env.clock.now() - startNs;
    const ungated = await env.rpc.call(tail, storageBatchRead, { ios: [io], requestId: 14 });
    const missing = await env.rpc.call(tail, storageBatchRead, { ios: [{ ...io, key: { ...io.key, chunkId: chunkHex(9) } }], requestId: 15, requestToSend: true });
    return { grants, inline, pushed, regionBytes: materialize(region.read(100, 15)), ungranted, ungrantedNs, ungated, missing };
  });
  const text = new TextEncoder().encode('request to send');
  t.deepEqual(r.grants, [11, 12, 13], 'one grant asked per request with data, none without the flag or without data');
  t.like(r.inline.results[0], { ok: true, lengthBytes: 15, crc32c: payloadChecksum(realPayload(text)) });
  t.deepEqual(r.pushed.results[0], { ok: true, lengthBytes: 15, commitVersion: 1, crc32c: payloadChecksum(realPayload(text)) }, 'pushed data is not inline');
  t.deepEqual(r.regionBytes, text);
  t.true(r.ungranted.results[0]!.ok);
  t.true(r.ungrantedNs >= 50_000_000 && r.ungrantedNs < 500_000_000, `waited ${r.ungrantedNs} ns for a grant that never came`);
  t.true(r.ungated.results[0]!.ok);
  t.like(r.missing.results[0], { ok: false, code: 'CHUNK_NOT_FOUND' });
  t.true((cluster.sim.coverage().get('storage: request-to-send got no grant in time; sending anyway') ?? 0) > 0);
});
