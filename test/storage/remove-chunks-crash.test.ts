import test from 'ava';
import { realPayload, syntheticPayload } from '../../system/env/payload.ts';
import { allMetas, CHAIN, CHUNK_SIZE, chunkHex, TestCluster } from './cluster.ts';
import { chunkOf, FILE, INODE, storageClient } from './chunk-ops-helpers.ts';

// Goal: a range remove that loses a replica half-way still removes every chunk of the range from
// every replica, including the crashed one once it is back and resynced, and touches nothing outside
// the range. Both the head (the client's removes fail over to the new head) and the middle (the
// head's forwards re-route to the tail) are crashed.

const CHUNKS = 40;
const CRASH_AFTER_NS = 200_000;

for (const [position, seed] of [['head', 31], ['middle', 32]] as const) {
  test(`removeChunks completes while the ${position} crashes, and every replica converges`, async (t) => {
    const cluster = new TestCluster({ seed, mgmtd: { auto: true } });
    const r = await cluster.run(async (env) => {
      await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
      const client = storageClient(env, cluster);
      for (let i = 0; i < CHUNKS; i++) {
        const payload = syntheticPayload({ contentSeed: 500 + i, offsetBytes: 0, sizeBytes: 1024 + i });
        await client.write({ chainId: CHAIN, chunkId: chunkHex(i), kind: 'write', offsetBytes: 0, payload, chunkSizeBytes: CHUNK_SIZE });
      }
      await client.write({ chainId: CHAIN, chunkId: chunkOf(INODE + 1, 0), kind: 'write', offsetBytes: 0, payload: realPayload('keep me'), chunkSizeBytes: CHUNK_SIZE });
      const victim = cluster.nodeOf(cluster.mgmtd.chain(CHAIN).targets[position === 'head' ? 0 : 1]!.targetId);
      let batches = 0;
      for (let more = true; more; batches++) {
        const batch = client.removeChunks({ chainId: CHAIN, range: FILE, maxChunks: 8 });
        // The crash lands while the second batch's removes are in flight.
        if (batches === 1) env.clock.setTimer(CRASH_AFTER_NS, () => cluster.sim.crash(victim));
        ({ more } = await batch);
      }
      const queryWhileDown = await client.queryLastChunk({ chainId: CHAIN, range: FILE });
      cluster.sim.restart(victim);
      await cluster.waitFor(env, 'the crashed replica SERVING again', () => cluster.allServing(), 30_000_000_000);
      return { batches, queryWhileDown, query: await client.queryLastChunk({ chainId: CHAIN, range: FILE }), metas: await allMetas(env, cluster) };
    });
    t.true(r.batches >= CHUNKS / 8, `batches: ${r.batches}`);
    const counters = (node: string): Record<string, number> => cluster.sim.node(node).metrics.snapshot().counters;
    const sum = (node: string, prefix: string): number => Object.entries(counters(node)).filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);
    // The crash hit the removal: the client retried (head) or the head re-routed its forwards (middle).
    if (position === 'head') t.true(sum('client', 'client_retries') > 0, JSON.stringify(counters('client')));
    else t.true(cluster.storageNodes.some((node) => sum(node, "storage_forward_retries") > 0), JSON.stringify(cluster.storageNodes.map(counters)));
    t.is(r.queryWhileDown.chunkCount, 0);
    t.is(r.query.chunkCount, 0);
    for (const [node, metas] of r.metas) t.deepEqual(metas.map((m) => m.chunkId), [chunkOf(INODE + 1, 0)], `${node} holds only the chunk outside the range`);
    t.deepEqual(cluster.sim.failures, []);
  });
}
