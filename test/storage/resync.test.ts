import test from 'ava';
import type { ChunkUpdate } from '../../system/env/chunk-store.ts';
import { materialize, realPayload, syntheticPayload, type Payload } from '../../system/env/payload.ts';
import type { Env } from '../../system/env/types.ts';
import { applyChunkUpdate, payloadChecksum } from '../../system/services/storage/chunk-content.ts';
import { allMetas, CHAIN, clientWrite, readFrom, TestCluster } from './cluster.ts';
import { LendingStores } from './lending-stores.ts';

// Goal: a replica that crashes while writes go on is fenced when it comes back, resynced by its
// predecessor while writers keep writing (live writes reach it as full-chunk replaces), made SERVING,
// and then every replica holds identical chunks: same versions, lengths and checksums, and the content
// of every acknowledged write.

const CHUNKS = 12;
const WRITERS = 3;

interface Expected {
  content: Payload | undefined;
}

async function writer(env: Env, cluster: TestCluster, w: number, expected: Expected[], stop: () => boolean): Promise<number> {
  const random = env.random(`test.writer.${w}`);
  let seq = 0;
  while (!stop()) {
    const index = w + WRITERS * random.int(CHUNKS / WRITERS);
    const synthetic = index % 4 === 3; // these chunks grow as one synthetic stream
    let update: ChunkUpdate;
    if (synthetic) {
      const length = expected[index]!.content?.sizeBytes ?? 0;
      const sizeBytes = 512 + random.int(2048);
      update = length + sizeBytes > 60_000
        ? { kind: 'truncate', lengthBytes: 0 }
        : { kind: 'write', offsetBytes: length, payload: syntheticPayload({ contentSeed: 1000 + index, offsetBytes: length, sizeBytes }) };
    } else if (random.chance(0.1)) {
      update = { kind: 'truncate', lengthBytes: random.int(2048) };
    } else {
      const bytes = new Uint8Array(1 + random.int(300)).map(() => random.int(256));
      update = { kind: 'write', offsetBytes: random.int(2048), payload: realPayload(bytes) };
    }
    seq++;
    const request = update.kind === 'write'
      ? { index, offsetBytes: update.offsetBytes, payload: update.payload, seq, channelId: w + 1, clientId: `w${w}` }
      : { index, kind: 'truncate' as const, lengthBytes: (update as { lengthBytes: number }).lengthBytes, seq, channelId: w + 1, clientId: `w${w}` };
    await clientWrite(env, cluster, request);
    expected[index]!.content = applyChunkUpdate(expected[index]!.content, update);
    await env.clock.sleep(random.int(3_000_000));
  }
  return seq;
}

test('a crashed replica is resynced while writes continue, and all replicas converge', async (t) => {
  // The stores lend their read bytes, as the native engine does, so the test also sees every path that
  // reads a chunk (a forward of the whole chunk to a SYNCING successor, resync, client reads) give them back.
  const lending = new LendingStores();
  const cluster = new TestCluster({ seed: 7, mgmtd: { auto: true }, wrapChunkStore: lending.wrap });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const [, middle] = cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
    const middleTarget = cluster.targetOf(middle!);
    const expected: Expected[] = Array.from({ length: CHUNKS }, () => ({ content: undefined }));
    let stopped = false;
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(env, cluster, w, expected, () => stopped));
    const statesSeen = new Set<string>();
    const watch = (async () => {
      while (!stopped) {
        statesSeen.add(cluster.mgmtd.stateOf(middleTarget)!);
        await env.clock.sleep(1_000_000);
      }
    })();
    await env.clock.sleep(100_000_000);
    cluster.sim.crash(middle!);
    lending.forget(middle!); // what the crashed process held died with it
    await cluster.waitFor(env, 'the crashed replica marked OFFLINE', () => cluster.mgmtd.stateOf(middleTarget) === 'OFFLINE');
    await env.clock.sleep(200_000_000);
    cluster.sim.restart(middle!);
    await cluster.waitFor(env, 'the replica SERVING again', () => cluster.allServing());
    await env.clock.sleep(100_000_000);
    stopped = true;
    const writes = await Promise.all(writers);
    await watch;
    const metas = await allMetas(env, cluster);
    const contents = await Promise.all(cluster.storageNodes.map(async (node) => {
      const out: Array<number | undefined> = [];
      for (let i = 0; i < CHUNKS; i++) {
        const read = await readFrom(env, cluster, node, i);
        out.push(read.ok ? payloadChecksum(read.payload!) : undefined);
      }
      return out;
    }));
    const realMatches = await Promise.all(cluster.storageNodes.map(async (node) => {
      let ok = true;
      for (let i = 0; i < CHUNKS; i++) {
        const want = expected[i]!.content;
        const read = await readFrom(env, cluster, node, i);
        if (want === undefined) ok &&= !read.ok;
        else ok &&= read.ok && Buffer.compare(materialize(read.payload!), materialize(want)) === 0;
      }
      return ok;
    }));
    return { writes, metas, contents, realMatches, statesSeen: [...statesSeen], expectedCrcs: expected.map((e) => (e.content ? payloadChecksum(e.content) : undefined)) };
  });
  t.true(r.writes.reduce((a, b) => a + b, 0) > 50, `writes: ${r.writes.join(', ')}`);
  t.true(r.statesSeen.includes('SYNCING'), `states seen: ${r.statesSeen.join(', ')}`);
  const [first, ...rest] = [...r.metas.values()];
  t.true(first!.length > 0);
  for (const metas of rest) t.deepEqual(metas, first, 'identical chunk metadata on every replica');
  for (const crcs of r.contents) t.deepEqual(crcs, r.expectedCrcs, 'every replica holds every acknowledged write');
  t.deepEqual(r.realMatches, [true, true, true]);
  t.true(lending.lentReads > 0);
  t.deepEqual(lending.unreleased(), [], 'every lent read was released');
  const coverage = cluster.sim.coverage();
  t.true((coverage.get('storage: a forward to a SYNCING successor carried the whole chunk') ?? 0) > 0);
  t.true((coverage.get('storage: resync sent a chunk while writes continued') ?? 0) > 0);
});
