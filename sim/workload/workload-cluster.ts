import type { Env, NodeId } from '../../system/env/types.ts';
import { FlyerFs } from '../../system/services/fs/flyer-fs.ts';
import { StorageFileOps } from '../../system/services/fs/storage-file-ops.ts';
import { StorageClient } from '../../system/services/client/storage-client.ts';
import { MetaClient } from '../../system/services/meta/meta-client.ts';
import { MetaService } from '../../system/services/meta/meta-service.ts';
import type { ClusterSpec } from '../../system/workloads/spec/cluster-spec.ts';
import { DEFAULT_SSD } from '../disk/ssd-model.ts';
import { BenchCluster, type ExtraNode } from '../perf/bench-cluster.ts';
import { DEFAULT_STORAGE_BENCH_SPEC, MS, S, type PortSpec, type StorageBenchSpec } from '../perf/storage-bench-spec.ts';
import { registerUntilAccepted, retryForever } from '../scenarios/data-plane-nodes.ts';
import { SIM_CLIENT_RETRY } from '../scenarios/craq-cluster.ts';

export interface WorkloadClusterOptions {
  readonly seed: number;
  /** A removed file's chunks stay this long before meta's GC removes them. */
  readonly gcDelayNs?: number;
  /** A node that coordinates the clients (phases, barriers); it is added with a control port. */
  readonly coordinator?: (env: Env) => Promise<void>;
  readonly client: (env: Env, clientIndex: number, fs: FlyerFs) => Promise<void>;
}

/**
 * A simulated cluster built from a cluster spec (specs/*.toml): the data plane of the storage benchmark
 * (managers, storage nodes with per-drive SSD models, the segment-level network with the spec's ports),
 * plus meta servers and client nodes with the spec's cores, each client holding a FlyerFs.
 */
export class WorkloadCluster {
  readonly bench: BenchCluster;
  readonly metaServers: NodeId[];

  constructor(readonly spec: ClusterSpec, options: WorkloadClusterOptions) {
    const bench = benchSpecOf(spec, options.seed);
    this.metaServers = Array.from({ length: spec.metaServers }, (_, i) => `meta-${i + 1}`);
    const rootLayout = { tableId: 1, tableVersion: 0, chunkSizeBytes: spec.chunkSizeBytes, stripeSize: spec.stripeSize };
    const extras: ExtraNode[] = this.metaServers.map((id) => ({
      id,
      port: bench.controlPort,
      boot: async (env, cluster) => {
        const mgmtd = cluster.mgmtdClient(env);
        await registerUntilAccepted(env, mgmtd, 'META');
        const storage = new StorageClient(env, { clientId: env.nodeId, routing: mgmtd, retry: SIM_CLIENT_RETRY });
        await MetaService.start(env, {
          routing: mgmtd, chunks: new StorageFileOps(storage, mgmtd), rootLayout,
          gcDelayNs: options.gcDelayNs ?? S, gcIntervalNs: 200 * MS, stampIntervalNs: S,
        });
      },
    }));
    if (options.coordinator) extras.push({ id: 'coordinator', port: bench.controlPort, boot: (env) => options.coordinator!(env) });
    this.bench = new BenchCluster(bench, async (env, index, cluster) => {
      const mgmtd = cluster.mgmtdClient(env);
      if (!(await cluster.waitAllServing(env, mgmtd, env.clock.now() + 60 * S))) throw new Error(`${env.nodeId}: the cluster never became ready`);
      const meta = new MetaClient(env, { servers: this.metaServers, caller: { clientId: env.nodeId, uid: 1000, gid: 1000 } });
      await retryForever(env, () => meta.stat('/'));
      const storage = new StorageClient(env, { clientId: env.nodeId, routing: mgmtd, retry: SIM_CLIENT_RETRY });
      await options.client(env, index, new FlyerFs(env, meta, storage, mgmtd));
    }, { nodes: extras, clientCores: spec.clients.cores });
  }

  get sim() {
    return this.bench.sim;
  }

  get clients(): readonly NodeId[] {
    return this.bench.clients;
  }
}

/** The spec in the storage benchmark's terms (its workload fields stay at their defaults, unused). */
export function benchSpecOf(spec: ClusterSpec, seed: number): StorageBenchSpec {
  const port = (p: { ports: number; portGbps: number; efficiency: number }): PortSpec => ({ ports: p.ports, lineRateBitsPerSec: p.portGbps * 1e9, efficiency: p.efficiency });
  return {
    ...DEFAULT_STORAGE_BENCH_SPEC,
    seed,
    managers: spec.managers,
    storageNodes: spec.storage.nodes,
    clients: spec.clients.nodes,
    storagePort: port(spec.storage),
    clientPort: port(spec.clients),
    ssdsPerNode: spec.storage.ssdsPerNode,
    ssd: { ...DEFAULT_SSD, readBytesPerSec: spec.storage.ssdReadBytesPerSec, writeBytesPerSec: spec.storage.ssdWriteBytesPerSec },
    targetsPerSsd: spec.storage.targetsPerSsd,
    replication: spec.replication,
    chunkSizeBytes: spec.chunkSizeBytes,
  };
}
