/**
 * A randomized fault run of a 3-replica chain: writers keep updating chunks (each chunk has one writer,
 * so its expected content is known) while a nemesis crashes, pauses and restarts storage nodes and
 * injects disk errors, with buggify on. Then faults stop, the chain must come back to all SERVING, and
 * every replica must hold identical chunks with the content of every acknowledged write.
 */
import type { ChunkUpdate } from '../../system/env/chunk-store.ts';
import { materialize, realPayload, syntheticPayload, type Payload } from '../../system/env/payload.ts';
import { applyChunkUpdate } from '../../system/services/storage/chunk-content.ts';
import { allMetas, clientWrite, readFrom, TestCluster } from './cluster.ts';

export interface FaultRunResult {
  readonly violations: string[];
  readonly acked: number;
  readonly faults: number;
  readonly cluster: TestCluster;
  readonly history: Array<Record<string, unknown>>;
}

const CHUNKS = 12;
const WRITERS = 3;

export async function faultRun(seed: number, options: { rounds?: number; buggify?: boolean; checkpointBytes?: number } = {}): Promise<FaultRunResult> {
  const cluster = new TestCluster({ seed, mgmtd: { auto: true }, chunkStore: { checkpointBytes: options.checkpointBytes ?? 4 * 2 ** 20 } });
  cluster.sim.buggifyEnabled = options.buggify ?? true;
  const violations: string[] = [];
  let acked = 0;
  let faults = 0;
  const history: Array<Record<string, unknown>> = [];
  await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const expected: Array<Payload | undefined> = new Array<Payload | undefined>(CHUNKS).fill(undefined);
    let stopped = false;
    const writers = Array.from({ length: WRITERS }, (_, w) => (async () => {
      const random = env.random(`fault.writer.${w}`);
      for (let seq = 1; !stopped; seq++) {
        const index = w + WRITERS * random.int(CHUNKS / WRITERS);
        const update = nextUpdate(random.int(1 << 30), index, expected[index]);
        const request = update.kind === 'write'
          ? { index, offsetBytes: update.offsetBytes, payload: update.payload, seq, channelId: w + 1, clientId: `w${w}` }
          : { index, kind: update.kind, lengthBytes: update.kind === 'truncate' ? update.lengthBytes : undefined, seq, channelId: w + 1, clientId: `w${w}` };
        try {
          await clientWrite(env, cluster, request, 60_000_000_000);
        } catch (error) {
          violations.push(`writer ${w} seq ${seq} failed: ${(error as Error).message}`);
          return;
        }
        acked++;
        expected[index] = applyChunkUpdate(expected[index], update);
        history.push({ index, seq, writer: w, atNs: env.clock.now(), kind: update.kind, size: expected[index]?.sizeBytes ?? -1 });
        await env.clock.sleep(random.int(5_000_000));
      }
    })());
    const random = env.random('fault.nemesis');
    for (let round = 0; round < (options.rounds ?? 4); round++) {
      await env.clock.sleep(50_000_000 + random.int(300_000_000));
      const victim = random.pick(cluster.storageNodes);
      faults++;
      const kind = random.int(3);
      if (kind === 0) {
        cluster.sim.crash(victim);
        await env.clock.sleep(random.int(500_000_000));
        cluster.sim.restart(victim);
      } else if (kind === 1) {
        cluster.sim.pause(victim);
        await env.clock.sleep(random.int(500_000_000));
        cluster.sim.resume(victim);
      } else {
        cluster.sim.node(victim).diskFaults.ioErrorProbability = 0.2;
        await env.clock.sleep(random.int(100_000_000));
        cluster.sim.node(victim).diskFaults.ioErrorProbability = 0;
        // A target that saw a disk error stays OFFLINE until its node restarts (as in 3FS).
        cluster.sim.crash(victim);
        cluster.sim.restart(victim);
      }
    }
    cluster.sim.buggifyEnabled = false;
    try {
      await cluster.waitFor(env, 'every replica SERVING after the faults', () => cluster.allServing(), 30_000_000_000);
    } catch (error) {
      violations.push(`liveness: ${(error as Error).message}; chain ${JSON.stringify(cluster.mgmtd.chain(1))}`);
    }
    await env.clock.sleep(100_000_000);
    stopped = true;
    await Promise.all(writers);
    if (violations.length > 0) return;
    const metas = [...(await allMetas(env, cluster)).entries()];
    for (const [node, list] of metas.slice(1)) {
      if (JSON.stringify(list) !== JSON.stringify(metas[0]![1])) violations.push(`metadata of ${node} differs from ${metas[0]![0]}`);
    }
    for (const node of cluster.storageNodes) {
      for (let i = 0; i < CHUNKS; i++) {
        const read = await readFrom(env, cluster, node, i);
        const want = expected[i];
        if (want === undefined ? read.ok && read.lengthBytes > 0 : !read.ok || Buffer.compare(materialize(read.payload!), materialize(want)) !== 0) {
          violations.push(`${node} chunk ${i}: ${read.ok ? `${read.lengthBytes} bytes` : read.code}, expected ${want?.sizeBytes ?? 'none'}`);
        }
      }
    }
  }, 300_000_000_000);
  violations.push(...cluster.sim.failures);
  return { violations, acked, faults, cluster, history };
}

function nextUpdate(draw: number, index: number, current: Payload | undefined): ChunkUpdate {
  const length = current?.sizeBytes ?? 0;
  if (index % 4 === 3) {
    const sizeBytes = 512 + (draw % 2048);
    if (length + sizeBytes > 60_000) return { kind: 'truncate', lengthBytes: 0 };
    return { kind: 'write', offsetBytes: length, payload: syntheticPayload({ contentSeed: 1000 + index, offsetBytes: length, sizeBytes }) };
  }
  if (draw % 10 === 0) return { kind: 'truncate', lengthBytes: draw % 2048 };
  if (draw % 17 === 0 && current !== undefined) return { kind: 'remove' };
  const bytes = new Uint8Array(1 + (draw % 300)).map((_, i) => (draw >>> (i % 24)) & 0xff);
  return { kind: 'write', offsetBytes: (draw >>> 8) % 2048, payload: realPayload(bytes) };
}
