/**
 * The real fault test: a local cluster (1 manager, 3 storage processes on the native chunk engine,
 * 2 chains of 3 replicas) takes writes from several writers while storage processes are SIGKILLed and
 * restarted. Some restarts come back before the manager notices the crash (under heartbeat_fail_ms),
 * some after it has marked the node failed. Afterwards every target must be SERVING again by a
 * deadline, and every replica of every chunk must hold, byte for byte, the last acknowledged write of
 * that chunk (or a later write whose acknowledgement was lost).
 *
 * Each writer owns its chunks and writes them one at a time (whole-chunk replaces of random bytes and
 * random length), so the acceptable contents of a chunk are exact: its last acknowledged payload plus
 * any payloads attempted after it. After each acknowledged write the writer reads the chunk back.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { readManifest } from '../../system/cli/cluster/cluster-manifest.ts';
import { LocalLauncher } from '../../system/cli/cluster/local-launcher.ts';
import { allServing } from '../../system/cli/cluster/wait-serving.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import { materialize, realPayload, type Payload } from '../../system/env/payload.ts';
import type { RealEnv } from '../../system/real/real-env.ts';
import { StorageClient } from '../../system/services/client/storage-client.ts';
import { chunkIdHex, chunkIdOf } from '../../system/services/common/chunk-key.ts';
import type { RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { storageBatchRead } from '../../system/services/storage/messages.ts';
import { connectClusterClient } from './cluster-client.ts';
import { clusterUp, processesUsing, runFlyer, tempClusterDir } from './helpers.ts';

const MS = 1_000_000;
const ROUNDS = 3;
const WRITERS = 4;
const CHUNKS_PER_WRITER = 4;
const CHUNK_SIZE_BYTES = 1 << 20;
const PAYLOAD_BYTES_MAX = 64 << 10;
const SERVING_DEADLINE_MS = 30_000;
const RETRY = { attemptTimeoutNs: 1000 * MS, attemptTimeoutNsMax: 4000 * MS, totalTimeoutNs: 30_000 * MS, backoffNs: 50 * MS, backoffNsMax: 500 * MS };

interface ChunkHistory {
  readonly chainId: number;
  readonly chunkId: string;
  /** The last acknowledged payload (undefined: none yet). */
  acked: Uint8Array | undefined;
  /** Payloads attempted after it whose writes failed: any of them may have been applied. */
  later: Uint8Array[];
}

test(`acknowledged writes read back byte-exact after storage processes are SIGKILLed and restarted (${ROUNDS} rounds)`, async (t) => {
  t.timeout(120_000);
  const dir = tempClusterDir(t, 'fault');
  const up = await clusterUp(dir);
  t.is(up.code, 0, `cluster up failed:\n${up.stderr}`);
  const manifest = readManifest(dir);
  const storageNodes = manifest.nodes.filter((n) => n.role === 'storage');
  const expectedTargets = storageNodes.reduce((sum, n) => sum + (n.targets?.length ?? 0), 0);
  const launcher = new LocalLauncher({ dir, exitWithPid: process.pid });

  const { env, mgmtd } = await connectClusterClient(t, dir, 'fault-client');
  const chainIds = Object.values(mgmtd.routing()!.chains).map((c) => c.chainId).sort((a, b) => a - b);
  t.is(chainIds.length, 2);

  /**
   * Waits until every target is SERVING in a snapshot newer than `after`: a restarted target always
   * fences (reports OFFLINE, so the manager bumps its chains) before it serves again, and a snapshot
   * from before that still shows the dead node's targets SERVING.
   */
  const waitServing = async (deadlineMs: number, after: ReadonlyMap<number, number> = new Map()): Promise<number | undefined> => {
    const startedMs = performance.now();
    while (performance.now() - startedMs < deadlineMs) {
      await mgmtd.refresh().catch(() => undefined);
      const routing = mgmtd.routing();
      const fresh = routing && [...after].every(([chainId, version]) => routing.chains[String(chainId)]!.chainVersion > version);
      if (routing && fresh && allServing(routing, expectedTargets)) return performance.now() - startedMs;
      await sleep(100);
    }
    return undefined;
  };
  const chainVersionsOf = (nodeId: string): Map<number, number> => {
    const routing = mgmtd.routing()!;
    const chainsOfNode = Object.values(routing.targets).filter((target) => target.nodeId === nodeId).map((target) => target.chainId);
    return new Map(chainsOfNode.map((chainId) => [chainId, routing.chains[String(chainId)]!.chainVersion]));
  };

  // Writers: each owns CHUNKS_PER_WRITER chunks spread over both chains.
  const chunks: ChunkHistory[] = Array.from({ length: WRITERS * CHUNKS_PER_WRITER }, (_, i) => ({
    chainId: chainIds[i % chainIds.length]!, chunkId: chunkIdHex(chunkIdOf(7, i)), acked: undefined, later: [],
  }));
  const violations: string[] = [];
  const failures = new Map<string, number>();
  let acked = 0;
  const ackTimesMs: number[] = [];
  let readsChecked = 0;
  let stopped = false;
  const writers = Array.from({ length: WRITERS }, async (_, w) => {
    const client = new StorageClient(env, { clientId: `writer-${w}`, routing: mgmtd, retry: RETRY });
    const mine = chunks.filter((_, i) => i % WRITERS === w);
    while (!stopped) {
      const chunk = mine[randomInt(mine.length)]!;
      const bytes = new Uint8Array(randomBytes(1 + randomInt(PAYLOAD_BYTES_MAX)));
      chunk.later.push(bytes);
      try {
        await client.write({ chainId: chunk.chainId, chunkId: chunk.chunkId, kind: 'replace', offsetBytes: 0, payload: realPayload(bytes), chunkSizeBytes: CHUNK_SIZE_BYTES });
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        failures.set(`write ${error.code}`, (failures.get(`write ${error.code}`) ?? 0) + 1);
        continue;
      }
      chunk.acked = bytes;
      chunk.later = [];
      acked++;
      ackTimesMs.push(performance.now());
      try {
        const read = await client.read({ chainId: chunk.chainId, chunkId: chunk.chunkId, offsetBytes: 0, lengthBytes: CHUNK_SIZE_BYTES });
        const got = read.ok && read.payload ? materialize(read.payload as Payload) : undefined;
        if (!got || !sameBytes(got, bytes)) violations.push(`writer ${w}: chunk ${chunk.chunkId} read ${got?.length ?? 'nothing'} bytes right after its ${bytes.length}-byte write was acknowledged`);
        readsChecked++;
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        failures.set(`read ${error.code}`, (failures.get(`read ${error.code}`) ?? 0) + 1);
      }
    }
  });

  // Nemesis: SIGKILL a storage process, leave it down for 0.5-4 s (the manager declares it failed after
  // 3 s), restart it, and wait for the cluster to heal before the next round.
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      await sleep(1000);
      const victim = storageNodes[randomInt(storageNodes.length)]!;
      const ackedBefore = acked;
      await mgmtd.refresh();
      const versionsAtKill = chainVersionsOf(victim.id);
      const killedMs = performance.now();
      await launcher.kill(victim);
      const downMs = 500 + randomInt(3500);
      await sleep(downMs);
      const { readyMs } = await launcher.start(victim, { readyTimeoutMs: 30_000 });
      const healedMs = await waitServing(SERVING_DEADLINE_MS, versionsAtKill);
      const gapMs = longestGapMs(ackTimesMs, killedMs, performance.now());
      t.log(`round ${round}: SIGKILLed ${victim.id}, down ${(downMs / 1000).toFixed(1)} s, ready again in ${(readyMs / 1000).toFixed(1)} s, ` +
        `${healedMs === undefined ? 'NOT all SERVING' : `all SERVING ${(healedMs / 1000).toFixed(1)} s later`}; ` +
        `${acked - ackedBefore} writes acknowledged meanwhile, longest pause between acknowledgements ${(gapMs / 1000).toFixed(1)} s`);
      t.not(healedMs, undefined, `round ${round}: every target SERVING within ${SERVING_DEADLINE_MS} ms of the restart`);
    }
  } finally {
    stopped = true;
    await Promise.all(writers);
  }
  t.log(`writes acknowledged: ${acked}, reads checked: ${readsChecked}, failures: ${JSON.stringify(Object.fromEntries(failures))}`);
  t.true(acked >= 50, `writers made progress (${acked} acknowledged writes)`);

  // Every target SERVING, then every replica of every chunk holds an acceptable content.
  const healedMs = await waitServing(SERVING_DEADLINE_MS);
  t.not(healedMs, undefined, 'every target SERVING at the end');
  const routing = mgmtd.routing()!;
  let replicasChecked = 0;
  for (const chunk of chunks) {
    const contents = await readEveryReplica(env, routing, chunk);
    for (const [targetId, bytes] of contents) {
      replicasChecked++;
      const acceptable = [...(chunk.acked ? [chunk.acked] : []), ...chunk.later];
      if (bytes === undefined ? chunk.acked !== undefined : !acceptable.some((c) => sameBytes(c, bytes))) {
        violations.push(`chunk ${chunk.chunkId} on target ${targetId}: ${bytes?.length ?? 'no'} bytes, not the last acknowledged ` +
          `${chunk.acked?.length ?? '(none)'}-byte write nor any of ${chunk.later.length} later attempts`);
      }
    }
    const distinct = new Set([...contents.values()].map((b) => (b ? Buffer.from(b).toString('base64') : 'absent')));
    if (distinct.size > 1) violations.push(`chunk ${chunk.chunkId}: replicas differ`);
  }
  t.log(`replicas checked: ${replicasChecked}`);
  t.deepEqual(violations, []);
  t.is(replicasChecked, chunks.length * 3);

  const down = await runFlyer(['cluster', 'down', '--dir', dir]);
  t.is(down.code, 0, down.stderr);
  t.deepEqual(processesUsing(dir), [], 'no process of the cluster is left');
});

/** Each replica's committed content (undefined: the chunk does not exist there), read from that replica alone. */
async function readEveryReplica(env: RealEnv, routing: RoutingInfo, chunk: ChunkHistory): Promise<Map<number, Uint8Array | undefined>> {
  const chain = routing.chains[String(chunk.chainId)]!;
  const contents = new Map<number, Uint8Array | undefined>();
  for (const { targetId } of chain.targets) {
    const nodeId = routing.targets[String(targetId)]!.nodeId;
    for (let attempt = 0; ; attempt++) {
      const reply = await env.rpc.call(nodeId, storageBatchRead, {
        ios: [{ key: { chainId: chunk.chainId, chainVersion: chain.chainVersion, chunkId: chunk.chunkId }, offsetBytes: 0, lengthBytes: CHUNK_SIZE_BYTES }],
        requestId: 1_000_000 + attempt,
      }, { timeoutNs: 5000 * MS });
      const outcome = reply.results[0]!;
      if (outcome.ok) {
        contents.set(targetId, outcome.payload ? new Uint8Array(materialize(outcome.payload)) : new Uint8Array(0));
        break;
      }
      if (outcome.code === 'CHUNK_NOT_FOUND') {
        contents.set(targetId, undefined);
        break;
      }
      if (attempt >= 20) throw new Error(`reading chunk ${chunk.chunkId} from target ${targetId}: ${outcome.code} ${outcome.detail}`);
      await sleep(100);
    }
  }
  return contents;
}

/** The longest stretch of [fromMs, toMs] without an acknowledged write. */
function longestGapMs(ackTimesMs: readonly number[], fromMs: number, toMs: number): number {
  let last = fromMs;
  let longest = 0;
  for (const at of ackTimesMs) {
    if (at < fromMs || at > toMs) continue;
    longest = Math.max(longest, at - last);
    last = at;
  }
  return Math.max(longest, toMs - last);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
