/**
 * The storage benchmark's workload. Each client first writes its share of the chunks through the
 * StorageClient (synthetic payloads, so no data memory), waits for every client to finish, then reads
 * at a fixed queue depth: each of its `queueDepth` loops picks a chunk uniformly at random, a SERVING
 * replica of its chain uniformly at random (3FS's read load balancing), and issues a one-io batch read
 * that the storage node pushes into the loop's registered region (the RDMA WRITE path of 3FS reads),
 * then issues the next as soon as it completes.
 *
 * Why a batch read with a region and not StorageClient.read: the StorageClient only reads inline (the
 * data in the RPC reply), and in simulation an inline reply's synthetic payload is not charged to the
 * network (SimRpc sizes a reply by its encoded bytes, not the codec's wire size; see the bench report's
 * notes). The region path is what 3FS uses for reads anyway, and SimRpc.bulkWrite charges every byte.
 */
import { isFlyerError } from '../../system/env/errors.ts';
import { syntheticPayload } from '../../system/env/payload.ts';
import type { BulkRegion, Env } from '../../system/env/types.ts';
import { StorageClient } from '../../system/services/client/storage-client.ts';
import { TransmissionGate } from '../../system/services/client/transmission-gate.ts';
import { chainOf, servingTargets } from '../../system/services/client/routing-view.ts';
import { chunkIdHex, chunkIdOf } from '../../system/services/common/chunk-key.ts';
import type { ChainId } from '../../system/services/mgmtd/types.ts';
import { storageBatchRead } from '../../system/services/storage/messages.ts';
import { SIM_CLIENT_RETRY } from '../scenarios/craq-cluster.ts';
import type { BenchCluster } from './bench-cluster.ts';
import { MS, S, type StorageBenchSpec } from './storage-bench-spec.ts';

export interface BenchChunk {
  readonly chainId: ChainId;
  readonly chunkId: string;
}

/** What the clients share with the driver: phase flags set by the driver, counts kept by the clients. */
export class ReadWorkloadState {
  readonly chunks: readonly BenchChunk[];
  clientsReady = 0;
  clientsPopulated = 0;
  writeFailures = 0;
  /** Set by the driver once every client has populated: reads start at this instant. */
  readStartNs: number | undefined;
  windowStartNs = Number.POSITIVE_INFINITY;
  windowEndNs = Number.POSITIVE_INFINITY;
  readsIssued = 0;
  readsCompleted = 0;
  readFailures = 0;
  lastReadError: string | undefined;
  bytesInWindow = 0;
  readsInWindow = 0;
  /** Latency (ns) of every read completed in the window. */
  readonly latenciesNs: number[] = [];
  /** Bytes completed in the window per client index. */
  readonly bytesByClient: number[];

  constructor(readonly spec: StorageBenchSpec, chainIds: readonly ChainId[]) {
    const count = chainIds.length * spec.chunksPerChain;
    // Round-robin over the chain table: every chain holds the same number of chunks.
    this.chunks = Array.from({ length: count }, (_, i) => ({ chainId: chainIds[i % chainIds.length]!, chunkId: chunkIdHex(chunkIdOf(1 + Math.floor(i / chainIds.length), i % chainIds.length)) }));
    this.bytesByClient = new Array<number>(spec.clients).fill(0);
  }

  record(clientIndex: number, issuedNs: number, completedNs: number, bytes: number): void {
    this.readsCompleted++;
    if (completedNs < this.windowStartNs || completedNs >= this.windowEndNs) return;
    this.bytesInWindow += bytes;
    this.readsInWindow++;
    this.bytesByClient[clientIndex]! += bytes;
    this.latenciesNs.push(completedNs - issuedNs);
  }
}

/** A client node's whole life in the benchmark: wait for the cluster, populate, wait, read until stopped. */
export function readBenchClient(state: ReadWorkloadState) {
  return async (env: Env, clientIndex: number, cluster: BenchCluster): Promise<void> => {
    const { spec } = state;
    const mgmtd = cluster.mgmtdClient(env);
    if (!(await cluster.waitAllServing(env, mgmtd, env.clock.now() + 30 * S))) throw new Error(`${env.nodeId}: cluster never became ready`);
    state.clientsReady++;
    const gate = spec.requestToSend ? new TransmissionGate(env, 64) : undefined;
    const client = new StorageClient(env, { clientId: env.nodeId, routing: mgmtd, retry: SIM_CLIENT_RETRY });
    await populate(env, client, state, clientIndex);
    state.clientsPopulated++;
    while (state.readStartNs === undefined || env.clock.now() < state.readStartNs) await env.clock.sleep(1 * MS);
    const random = env.random('bench.read');
    let nextRequestId = 1;
    const loop = async (region: BulkRegion): Promise<void> => {
      for (;;) {
        const chunk = state.chunks[random.int(state.chunks.length)]!;
        const routing = mgmtd.current()!;
        const chain = chainOf(routing, chunk.chainId);
        const replicas = servingTargets(routing, chain);
        const target = replicas[random.int(replicas.length)]!;
        const requestId = nextRequestId++;
        const issuedNs = env.clock.now();
        state.readsIssued++;
        try {
          const reply = await env.rpc.call(target.nodeId, storageBatchRead, {
            ios: [{ key: { chainId: chunk.chainId, chainVersion: chain.chainVersion, chunkId: chunk.chunkId }, offsetBytes: 0, lengthBytes: spec.chunkSizeBytes }],
            region: region.ref,
            regionOffsets: [0],
            requestToSend: gate !== undefined,
            requestId,
          }, { timeoutNs: 5 * S });
          const outcome = reply.results[0];
          if (outcome?.ok) state.record(clientIndex, issuedNs, env.clock.now(), outcome.lengthBytes);
          else {
            state.readFailures++;
            state.lastReadError = outcome ? `${outcome.code}: ${outcome.detail}` : 'no outcome';
          }
        } catch (error) {
          if (!isFlyerError(error)) throw error;
          state.readFailures++;
          state.lastReadError = error.message;
        } finally {
          gate?.complete(requestId);
        }
      }
    };
    const regions = Array.from({ length: spec.queueDepth }, () => env.rpc.registerRegion(spec.chunkSizeBytes));
    await Promise.all(regions.map((region) => loop(region)));
  };
}

/** Client i writes chunks i, i + clients, ... with `populateDepth` writes in flight. */
async function populate(env: Env, client: StorageClient, state: ReadWorkloadState, clientIndex: number): Promise<void> {
  const { spec } = state;
  const mine = state.chunks.filter((_, i) => i % spec.clients === clientIndex);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < mine.length) {
      const index = next++;
      const chunk = mine[index]!;
      const payload = syntheticPayload({ contentSeed: 1 + clientIndex * 1_000_000 + index, sizeBytes: spec.chunkSizeBytes });
      try {
        await client.write({ ...chunk, kind: 'write', offsetBytes: 0, payload, chunkSizeBytes: spec.chunkSizeBytes });
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        state.writeFailures++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.populateDepth }, worker));
}
