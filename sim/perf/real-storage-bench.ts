/**
 * The real-mode half of the storage benchmark: a local cluster (real-local-cluster.ts) of 1 manager and
 * 3 storage nodes on the native chunk engine, chains of 3, and one client in this process. One run of
 * {@link runRealStorageBench}:
 *
 * - writes `chunks` 4 MiB chunks of real bytes through the StorageClient (each down its chain of 3:
 *   replicated write throughput);
 * - reads them back `readPasses` times with batch reads at a fixed depth, two ways:
 *   - inline: StorageClient.read, the data in the RPC reply (in the frame's raw tail as an out-of-band
 *     payload, see system/env/codec.ts), received into one reused buffer per outstanding read
 *     (ChunkRead.into, like USRBIO's iov);
 *   - region: the batch read names a registered region of the client and the storage node pushes the
 *     data into it with bulkWrite (raw-tail frame), then replies: 3FS's RDMA WRITE path.
 *
 * The engine options decide where reads come from: O_DIRECT (the engine's default) reads the disk;
 * buffered I/O serves re-reads from the page cache, so the RPC path is what is measured. Loopback
 * iperf3 (single stream) is measured beside it by the caller, so the ratio travels.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FlyerError, isFlyerError } from '../../system/env/errors.ts';
import { RealPayload } from '../../system/env/payload.ts';
import type { BulkRegion } from '../../system/env/types.ts';
import type { NativeEngineOptions } from '../../system/real/chunk-engine/index.ts';
import type { RealEnv } from '../../system/real/real-env.ts';
import { StorageClient } from '../../system/services/client/storage-client.ts';
import { chainOf, servingTargets } from '../../system/services/client/routing-view.ts';
import { chunkIdHex, chunkIdOf } from '../../system/services/common/chunk-key.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import type { ChainId, RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { storageBatchRead } from '../../system/services/storage/messages.ts';
import { startLocalCluster, type LocalClusterSpec } from './real-local-cluster.ts';
import { MiB } from './storage-bench-spec.ts';

export interface RealBenchOptions {
  readonly dataDir: string;
  readonly storageNodes: number;
  readonly targetsPerNode: number;
  readonly replication: number;
  readonly chunkSizeBytes: number;
  readonly chunks: number;
  readonly writeDepth: number;
  readonly readDepth: number;
  /** Times every chunk is read per read variant (each pass reads all chunks once, in random order); 0: no reads. */
  readonly readPasses: number;
  /** Read with the region (push) variant too. */
  readonly regionReads: boolean;
  /** Rounds of reads: each round reads `readPasses` passes inline, then (if asked) as many by region. */
  readonly readRounds: number;
  readonly engine: NativeEngineOptions;
  readonly storageOptions?: LocalClusterSpec['storageOptions'];
}

export const DEFAULT_REAL_BENCH_OPTIONS: Omit<RealBenchOptions, 'dataDir'> = {
  storageNodes: 3,
  targetsPerNode: 4,
  replication: 3,
  chunkSizeBytes: 4 * MiB,
  chunks: 128,
  writeDepth: 8,
  readDepth: 8,
  readPasses: 2,
  regionReads: true,
  readRounds: 1,
  engine: {},
};

export interface ThroughputSample {
  readonly bytes: number;
  readonly seconds: number;
  readonly MBps: number;
  /** CPU time (user + system) per MiB moved: the client process, and the storage processes summed. */
  readonly cpuMsPerMiB: { readonly client: number; readonly storage: number };
}

export interface RealBenchResult {
  readonly write: ThroughputSample;
  /** One sample per round. */
  readonly readInline: readonly ThroughputSample[];
  readonly readRegion: readonly ThroughputSample[];
  /** Every content buffer read back byte-identical (checked outside the timed parts). */
  readonly verified: boolean;
}

/** Linux's USER_HZ, fixed at 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SEC = 100;

/** CPU seconds (user + system) of this process and of the given child processes so far. */
function cpuSeconds(pids: readonly number[]): { client: number; storage: number } {
  const own = process.cpuUsage();
  let storage = 0;
  for (const pid of pids) {
    // /proc/PID/stat: fields 14 and 15 (after the parenthesised name) are utime and stime in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    storage += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  }
  return { client: (own.user + own.system) / 1e6, storage };
}

/** Starts a clock (wall and CPU); calling the result with the bytes moved gives the sample (`pids`: the server processes). */
export function timed(pids: readonly number[]): (bytes: number) => ThroughputSample {
  const startCpu = cpuSeconds(pids);
  const start = performance.now();
  return (bytes) => {
    const seconds = (performance.now() - start) / 1000;
    const cpu = cpuSeconds(pids);
    const perMiB = (s: number): number => Number(((s * 1000) / (bytes / MiB)).toFixed(2));
    return {
      bytes, seconds: Number(seconds.toFixed(3)), MBps: Math.round(bytes / seconds / 1e6),
      cpuMsPerMiB: { client: perMiB(cpu.client - startCpu.client), storage: perMiB(cpu.storage - startCpu.storage) },
    };
  };
}

async function retry<T>(env: RealEnv, body: () => Promise<T>, deadlineMs = 30_000): Promise<T> {
  const start = performance.now();
  for (;;) {
    try {
      return await body();
    } catch (error) {
      if (!isFlyerError(error) || performance.now() - start > deadlineMs) throw error;
      await env.clock.sleep(100_000_000);
    }
  }
}

function allServing(routing: RoutingInfo | undefined, chainCount: number): boolean {
  if (!routing) return false;
  const chains = Object.values(routing.chains);
  return chains.length === chainCount && chains.every((c) => c.targets.every((t) => t.publicState === 'SERVING'));
}

export async function runRealStorageBench(options: RealBenchOptions, log: (line: string) => void = () => undefined): Promise<RealBenchResult> {
  const cluster = await startLocalCluster({
    storageNodes: options.storageNodes, targetsPerNode: options.targetsPerNode, replication: options.replication,
    dataDir: options.dataDir, engine: options.engine, clients: ['client-1'],
    ...(options.storageOptions ? { storageOptions: options.storageOptions } : {}),
  });
  let env: RealEnv | undefined;
  let mgmtd: MgmtdClient | undefined;
  try {
    env = await cluster.clientEnv('client-1');
    const clientEnv = env;
    const routing = MgmtdClient.start(env, { managers: cluster.managers, refreshIntervalNs: 200_000_000 });
    mgmtd = routing;
    await retry(env, () => routing.registerNode('CLIENT'));
    await retry(env, () => routing.installChainTable(cluster.plan, 1));
    const chainIds = cluster.plan.chainIds;
    const waitStart = performance.now();
    while (!allServing(routing.current(), chainIds.length)) {
      if (performance.now() - waitStart > 60_000) throw new Error('real cluster: chains not all SERVING after 60 s');
      await routing.refresh().catch(() => undefined);
      await env.clock.sleep(50_000_000);
    }
    log(`real cluster up (engine ${JSON.stringify(options.engine)}): ${cluster.storage.length} storage nodes, ${chainIds.length} chains`);
    const storagePids = cluster.pids.slice(cluster.managers.length);
    const client = new StorageClient(env, { clientId: env.nodeId, routing });
    const chunks = Array.from({ length: options.chunks }, (_, i) => ({ chainId: chainIds[i % chainIds.length]! as ChainId, chunkId: chunkIdHex(chunkIdOf(7, i)) }));
    const contents = Array.from({ length: 16 }, () => new Uint8Array(randomBytes(options.chunkSizeBytes)));
    const contentOf = (i: number): Uint8Array => contents[i % contents.length]!;

    // Replicated writes: every chunk through its chain's head, down the chain of 3.
    let next = 0;
    let done = timed(storagePids);
    await Promise.all(Array.from({ length: options.writeDepth }, async () => {
      while (next < chunks.length) {
        const i = next++;
        await client.write({ ...chunks[i]!, kind: 'write', offsetBytes: 0, payload: new RealPayload(contentOf(i)), chunkSizeBytes: options.chunkSizeBytes });
      }
    }));
    const write = done(options.chunks * options.chunkSizeBytes);
    log(`real writes: ${write.MBps} MB/s`);

    // Correctness, outside the timed parts: one chunk per content buffer reads back byte-identical.
    let verified = true;
    for (let i = 0; i < Math.min(contents.length, chunks.length); i++) {
      const outcome = await client.read({ ...chunks[i]!, offsetBytes: 0, lengthBytes: options.chunkSizeBytes });
      const payload = outcome.ok ? outcome.payload : undefined;
      if (!(payload instanceof RealPayload) || Buffer.compare(payload.bytes, contentOf(i)) !== 0) verified = false;
    }
    const readInline: ThroughputSample[] = [];
    const readRegion: ThroughputSample[] = [];
    if (options.readPasses === 0) return { write, readInline, readRegion, verified };

    const random = env.random('bench.read');
    const readOrder = (): number[] => {
      const order: number[] = [];
      for (let pass = 0; pass < options.readPasses; pass++) {
        const indices = chunks.map((_, i) => i);
        for (let i = indices.length - 1; i > 0; i--) {
          const j = random.int(i + 1);
          [indices[i], indices[j]] = [indices[j]!, indices[i]!];
        }
        order.push(...indices);
      }
      return order;
    };
    const regions: BulkRegion[] = options.regionReads
      ? Array.from({ length: options.readDepth }, () => clientEnv.rpc.registerRegion(options.chunkSizeBytes))
      : [];
    // One receive buffer per outstanding read, reused read after read, as an application reading
    // through 3FS's USRBIO does with its registered iov.
    const receiveBuffers = Array.from({ length: options.readDepth }, () => new Uint8Array(options.chunkSizeBytes));
    let requestId = 1;
    for (let round = 0; round < options.readRounds; round++) {
      // Inline batch reads through the StorageClient.
      let queue = readOrder();
      let readBytes = 0;
      done = timed(storagePids);
      await Promise.all(receiveBuffers.map(async (into) => {
        while (queue.length > 0) {
          const i = queue.pop()!;
          const outcome = await client.read({ ...chunks[i]!, offsetBytes: 0, lengthBytes: options.chunkSizeBytes, into });
          if (!outcome.ok) throw new FlyerError(outcome.code as never, outcome.detail);
          readBytes += outcome.lengthBytes;
        }
      }));
      readInline.push(done(readBytes));
      log(`real inline reads, round ${round + 1}: ${readInline[round]!.MBps} MB/s`);
      if (regions.length === 0) continue;

      // Batch reads pushed into registered regions, one region per outstanding read.
      queue = readOrder();
      readBytes = 0;
      done = timed(storagePids);
      await Promise.all(regions.map(async (region) => {
        while (queue.length > 0) {
          const chunk = chunks[queue.pop()!]!;
          const view = routing.current()!;
          const chain = chainOf(view, chunk.chainId);
          const replicas = servingTargets(view, chain);
          const reply = await clientEnv.rpc.call(replicas[random.int(replicas.length)]!.nodeId, storageBatchRead, {
            ios: [{ key: { chainId: chunk.chainId, chainVersion: chain.chainVersion, chunkId: chunk.chunkId }, offsetBytes: 0, lengthBytes: options.chunkSizeBytes }],
            region: region.ref, regionOffsets: [0], requestId: requestId++,
          }, { timeoutNs: 30_000_000_000 });
          for (const outcome of reply.results) {
            if (!outcome.ok) throw new FlyerError(outcome.code as never, outcome.detail);
            readBytes += outcome.lengthBytes;
          }
        }
      }));
      readRegion.push(done(readBytes));
      log(`real region reads, round ${round + 1}: ${readRegion[round]!.MBps} MB/s`);
    }
    for (const region of regions) region.release();
    return { write, readInline, readRegion, verified };
  } finally {
    mgmtd?.stop();
    await env?.close();
    await cluster.stop();
  }
}
