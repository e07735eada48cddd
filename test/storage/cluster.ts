/**
 * A small simulated storage cluster for tests: storage nodes each hosting one target of chain 1, a fake
 * manager, and a client node that runs the test script. Helpers speak the storage RPCs directly.
 */
import { makeSimChunkStoreFactory, type SimChunkStoreConfig } from '../../sim/chunk-store/index.ts';
import { Simulation } from '../../sim/simulation.ts';
import type { ChunkStore } from '../../system/env/chunk-store.ts';
import { FlyerError, isFlyerError } from '../../system/env/errors.ts';
import type { Payload } from '../../system/env/payload.ts';
import type { Env, NodeId } from '../../system/env/types.ts';
import { chunkIdHex, chunkIdOf } from '../../system/services/common/chunk-key.ts';
import {
  storageBatchRead, storageGetAllChunkMetadata, storageWrite, type IoResult, type ReadOutcome, type UpdateKind, type WireChunkMeta,
} from '../../system/services/storage/messages.ts';
import type { StorageServiceOptions } from '../../system/services/storage/options.ts';
import { StorageService } from '../../system/services/storage/service.ts';
import { FakeMgmtd, type FakeMgmtdOptions } from './fake-mgmtd.ts';

export const CHAIN = 1;
export const CHUNK_SIZE = 64 * 1024;
export const CLIENT = 'client';

/** Short intervals so a test's virtual seconds stay few. */
export const FAST_STORAGE: Partial<StorageServiceOptions> = {
  heartbeatIntervalNs: 50_000_000,
  fencingIntervalNs: 20_000_000,
  forward: { attemptTimeoutNs: 100_000_000, backoffNs: 10_000_000, backoffNsMax: 100_000_000, totalTimeoutNs: 5_000_000_000 },
  resync: { scanIntervalNs: 20_000_000, retryAfterNs: 200_000_000, concurrency: 4, callTimeoutNs: 500_000_000 },
  requestToSendTimeoutNs: 50_000_000,
};

export interface ClusterOptions {
  readonly seed?: number;
  readonly replicas?: number;
  readonly mgmtd?: Partial<FakeMgmtdOptions>;
  readonly storage?: Partial<StorageServiceOptions>;
  readonly chunkStore?: SimChunkStoreConfig;
  /** Wraps each target's store as it opens (tests that watch what the services do with it). */
  readonly wrapChunkStore?: (store: ChunkStore, nodeId: NodeId) => ChunkStore;
}

export class TestCluster {
  readonly sim: Simulation;
  readonly mgmtd: FakeMgmtd;
  readonly storageNodes: NodeId[];
  /** The service of each storage node's current incarnation. */
  readonly services = new Map<NodeId, StorageService>();

  constructor(options: ClusterOptions = {}) {
    const replicas = options.replicas ?? 3;
    const stores = makeSimChunkStoreFactory(options.chunkStore);
    const wrap = options.wrapChunkStore;
    this.sim = new Simulation({
      seed: options.seed ?? 1,
      chunkStoreFactory: wrap ? async (env, storeOptions) => wrap(await stores(env, storeOptions), env.nodeId) : stores,
    });
    this.storageNodes = Array.from({ length: replicas }, (_, i) => `storage-${i + 1}`);
    this.mgmtd = new FakeMgmtd({
      chains: [{ chainId: CHAIN, targets: this.storageNodes.map((nodeId) => ({ targetId: this.targetOf(nodeId), nodeId })) }],
      nodes: [...this.storageNodes, CLIENT],
      ...options.mgmtd,
    });
    for (const nodeId of this.storageNodes) {
      this.sim.addNode(nodeId, {
        boot: async (env) => {
          const client = this.mgmtd.client(env);
          const service = await StorageService.start(env, {
            targets: [{ targetId: this.targetOf(nodeId), path: `target-${this.targetOf(nodeId)}` }],
            routing: client,
            heartbeat: client,
            ...FAST_STORAGE,
            ...options.storage,
          });
          this.services.set(nodeId, service);
        },
      });
    }
  }

  targetOf(nodeId: NodeId): number {
    return Number(nodeId.slice('storage-'.length)) * 100 + 1;
  }

  nodeOf(targetId: number): NodeId {
    return `storage-${Math.floor(targetId / 100)}`;
  }

  /** Runs `script` on the client node until it finishes; rethrows its failure. */
  async run<T>(script: (env: Env) => Promise<T>, limitNs = 120_000_000_000): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    this.sim.addNode(CLIENT, {
      boot: async (env) => {
        try {
          outcome = { ok: true, value: await script(env) };
        } catch (error) {
          outcome = { ok: false, error };
        }
      },
    });
    this.sim.start();
    await this.sim.run({ untilNs: limitNs, stopWhen: () => outcome !== undefined });
    if (this.sim.failures.length > 0) throw new Error(`simulation failures:\n${this.sim.failures.join('\n')}`);
    if (!outcome) throw new Error(`the test script did not finish within ${limitNs} virtual ns`);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Waits (on the client's clock) until `condition` holds. */
  async waitFor(env: Env, what: string, condition: () => boolean, timeoutNs = 20_000_000_000): Promise<void> {
    const deadline = env.clock.now() + timeoutNs;
    while (!condition()) {
      if (env.clock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await env.clock.sleep(5_000_000);
    }
  }

  allServing(): boolean {
    const chain = this.mgmtd.chain(CHAIN);
    return chain.targets.every((t) => t.publicState === 'SERVING') &&
      chain.targets.every((t) => this.mgmtd.lastLocalState(t.targetId) === 'UPTODATE');
  }

  headNode(): NodeId | undefined {
    const first = this.mgmtd.chain(CHAIN).targets[0];
    return first?.publicState === 'SERVING' ? this.nodeOf(first.targetId) : undefined;
  }
}

export const chunkHex = (index: number): string => chunkIdHex(chunkIdOf(42, index));

export interface TestWrite {
  readonly index: number;
  readonly kind?: UpdateKind;
  readonly offsetBytes?: number;
  readonly payload?: Payload;
  readonly lengthBytes?: number;
  readonly checksum?: number;
  readonly channelId?: number;
  readonly seq: number;
  readonly clientId?: string;
}

export function writeRequest(cluster: TestCluster, w: TestWrite) {
  return {
    key: { chainId: CHAIN, chainVersion: cluster.mgmtd.chain(CHAIN).chainVersion, chunkId: chunkHex(w.index) },
    kind: w.kind ?? 'write',
    offsetBytes: w.offsetBytes ?? 0,
    chunkSizeBytes: CHUNK_SIZE,
    tag: { clientId: w.clientId ?? 'c1', channelId: w.channelId ?? 1, seq: w.seq },
    ...(w.payload ? { payload: w.payload } : {}),
    ...(w.lengthBytes !== undefined ? { lengthBytes: w.lengthBytes } : {}),
    ...(w.checksum !== undefined ? { checksum: w.checksum } : {}),
  };
}

/** What a client retries (3fs-notes §1.4): routing errors, unavailability and remote disk failures. */
const RETRIED = new Set([
  'STORAGE_ROUTING_VERSION_MISMATCH', 'STORAGE_NOT_HEAD', 'STORAGE_TARGET_NOT_SERVING', 'STORAGE_CHANNEL_BUSY', 'STORAGE_OVERLOADED',
  'RPC_TIMEOUT', 'RPC_UNREACHABLE', 'CHUNK_ENGINE_IO', 'CHUNK_ENGINE_FAILED', 'DISK_IO_ERROR', 'CHUNK_BUSY',
]);

/** Writes through the current head, retrying routing and availability errors with the same tag. */
export async function clientWrite(env: Env, cluster: TestCluster, w: TestWrite, timeoutNs = 30_000_000_000): Promise<IoResult> {
  const deadline = env.clock.now() + timeoutNs;
  for (;;) {
    const head = cluster.headNode();
    try {
      if (!head) throw new FlyerError('STORAGE_NOT_HEAD', 'no serving head yet');
      return await env.rpc.call(head, storageWrite, writeRequest(cluster, w), { timeoutNs: 2_000_000_000 });
    } catch (error) {
      if (!isFlyerError(error) || !RETRIED.has(error.code) || env.clock.now() > deadline) throw error;
      await env.clock.sleep(10_000_000);
    }
  }
}

export async function readFrom(env: Env, cluster: TestCluster, node: NodeId, index: number, offsetBytes = 0, lengthBytes = CHUNK_SIZE): Promise<ReadOutcome> {
  const chainVersion = cluster.mgmtd.chain(CHAIN).chainVersion;
  const reply = await env.rpc.call(node, storageBatchRead, { ios: [{ key: { chainId: CHAIN, chainVersion, chunkId: chunkHex(index) }, offsetBytes, lengthBytes }], requestId: 1 });
  return reply.results[0]!;
}

/** Each storage node's chunk metadata without chain versions (those differ after a resync, as in 3FS). */
export async function allMetas(env: Env, cluster: TestCluster): Promise<Map<NodeId, Array<Omit<WireChunkMeta, 'chainVersion'>>>> {
  const out = new Map<NodeId, Array<Omit<WireChunkMeta, 'chainVersion'>>>();
  for (const node of cluster.storageNodes) {
    const reply = await env.rpc.call(node, storageGetAllChunkMetadata, { targetId: cluster.targetOf(node) });
    out.set(node, reply.metas.map(({ chainVersion: _chainVersion, ...rest }) => rest));
  }
  return out;
}
