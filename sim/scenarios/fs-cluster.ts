import type { Env, NodeId } from '../../system/env/types.ts';
import { FlyerFs } from '../../system/services/fs/flyer-fs.ts';
import { StorageFileOps } from '../../system/services/fs/storage-file-ops.ts';
import type { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import { MetaClient } from '../../system/services/meta/meta-client.ts';
import { MetaService, type MetaServiceOptions } from '../../system/services/meta/meta-service.ts';
import type { DirectoryLayout } from '../../system/services/meta/types.ts';
import { storageGetAllChunkMetadata, type WireChunkMeta } from '../../system/services/storage/messages.ts';
import { CraqCluster, MS, S, type CraqClusterSpec } from './craq-cluster.ts';
import { retryForever } from './data-plane-nodes.ts';

export interface FsClusterSpec extends CraqClusterSpec {
  readonly metaServers: number;
  readonly rootLayout: DirectoryLayout;
  readonly meta?: Omit<MetaServiceOptions, 'routing' | 'chunks' | 'rootLayout'>;
}

/**
 * A whole simulated file system: the CRAQ data plane (managers, storage nodes, chain table) plus
 * stateless meta servers sharing the simulated KV. Client nodes get a FlyerFs from `fileSystem`.
 */
export class FsCluster extends CraqCluster {
  readonly metaServers: NodeId[];
  readonly metaServices = new Map<NodeId, MetaService>();

  constructor(readonly fsSpec: FsClusterSpec) {
    super(fsSpec);
    this.metaServers = Array.from({ length: fsSpec.metaServers }, (_, i) => `meta-${i + 1}`);
    for (const id of this.metaServers) {
      this.sim.addNode(id, {
        boot: async (env) => {
          const mgmtd = this.mgmtdClient(env);
          await this.register(env, mgmtd, 'META');
          const storage = this.storageClient(env, mgmtd);
          const service = await MetaService.start(env, {
            ...fsSpec.meta, routing: mgmtd, chunks: new StorageFileOps(storage, mgmtd), rootLayout: fsSpec.rootLayout,
          });
          this.metaServices.set(id, service);
        },
      });
    }
  }

  /** Registers the client node, waits for the cluster, and hands back its file system. */
  async fileSystem(env: Env, options: { uid?: number } = {}): Promise<{ fs: FlyerFs; mgmtd: MgmtdClient }> {
    const mgmtd = this.mgmtdClient(env);
    await this.register(env, mgmtd, 'CLIENT');
    await this.waitAllServing(env, mgmtd, env.clock.now() + 30 * S);
    const meta = new MetaClient(env, { servers: this.metaServers, caller: { clientId: env.nodeId, uid: options.uid ?? 1000, gid: options.uid ?? 1000 } });
    // Meta servers start after the chain table exists; wait until one answers.
    await retryForever(env, () => meta.stat('/'));
    return { fs: new FlyerFs(env, meta, this.storageClient(env, mgmtd), mgmtd), mgmtd };
  }

  /** Every chunk on every storage target, straight from the storage nodes (for GC checks). */
  async allChunks(env: Env): Promise<Array<WireChunkMeta & { targetId: number }>> {
    const all: Array<WireChunkMeta & { targetId: number }> = [];
    for (const target of this.plan.targets) {
      const reply = await retryForever(env, () => env.rpc.call(target.nodeId, storageGetAllChunkMetadata, { targetId: target.targetId }, { timeoutNs: 500 * MS }));
      for (const meta of reply.metas) all.push({ ...meta, targetId: target.targetId });
    }
    return all;
  }
}
