import { isFlyerError } from '../../system/env/errors.ts';
import type { Env, NodeId } from '../../system/env/types.ts';
import { StorageClient } from '../../system/services/client/storage-client.ts';
import type { RetryOptions } from '../../system/services/client/retry-policy.ts';
import { generateChainTable, type ChainTablePlan } from '../../system/services/mgmtd/chain-table-generator.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import type { MgmtdOptions } from '../../system/services/mgmtd/mgmtd-options.ts';
import { MgmtdService } from '../../system/services/mgmtd/mgmtd-service.ts';
import type { NodeType, RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { StorageService } from '../../system/services/storage/service.ts';
import type { StorageServiceOptions } from '../../system/services/storage/options.ts';
import { simChunkStoreFactory } from '../chunk-store/index.ts';
import { SimKvCluster } from '../kv/sim-kv.ts';
import { Simulation } from '../simulation.ts';

/**
 * A simulated 3FS data plane: managers over a shared simulated KV, storage nodes running the CRAQ
 * storage service on simulated chunk stores, and a balanced chain table uploaded by an admin node.
 * Intervals are scaled down from 3FS's (seconds to tens of milliseconds) so a run covers many
 * failures and recoveries in a few virtual seconds.
 */
export const MS = 1_000_000;
export const S = 1_000_000_000;

export const SIM_MGMTD_OPTIONS: MgmtdOptions = {
  leaseLengthNs: 2 * S,
  extendLeaseIntervalNs: 400 * MS,
  bootstrappingNs: 500 * MS,
  newChainBootstrapNs: 300 * MS,
  heartbeatFailNs: 1 * S,
  checkIntervalNs: 100 * MS,
  updateChainsIntervalNs: 100 * MS,
  heartbeatClockWindowNs: 30 * S,
};

export const SIM_STORAGE_OPTIONS: Omit<StorageServiceOptions, 'targets' | 'routing' | 'heartbeat'> = {
  heartbeatIntervalNs: 100 * MS,
  fencingIntervalNs: 100 * MS,
  forward: { attemptTimeoutNs: 300 * MS, backoffNs: 20 * MS, backoffNsMax: 200 * MS, totalTimeoutNs: 5 * S },
  resync: { scanIntervalNs: 100 * MS, retryAfterNs: 500 * MS, concurrency: 8, callTimeoutNs: 500 * MS },
};

export const SIM_CLIENT_RETRY: RetryOptions = {
  attemptTimeoutNs: 400 * MS,
  attemptTimeoutNsMax: 2 * S,
  totalTimeoutNs: 10 * S,
  backoffNs: 20 * MS,
  backoffNsMax: 400 * MS,
};

export interface CraqClusterSpec {
  readonly seed: number;
  readonly managers: number;
  readonly storageNodes: number;
  readonly targetsPerNode: number;
  readonly replication: number;
}

export class CraqCluster {
  readonly sim: Simulation;
  readonly kv = new SimKvCluster();
  readonly managers: NodeId[];
  readonly storage: NodeId[];
  readonly plan: ChainTablePlan;
  setupDone = false;

  constructor(readonly spec: CraqClusterSpec) {
    this.sim = new Simulation({ seed: spec.seed, kvFactory: this.kv.factory, chunkStoreFactory: simChunkStoreFactory });
    this.managers = Array.from({ length: spec.managers }, (_, i) => `mgmtd-${i + 1}`);
    this.storage = Array.from({ length: spec.storageNodes }, (_, i) => `storage-${i + 1}`);
    this.plan = generateChainTable({ nodes: this.storage, targetsPerDisk: spec.targetsPerNode, replication: spec.replication, seed: spec.seed });
    for (const id of this.managers) {
      this.sim.addNode(id, { boot: async (env) => void (await MgmtdService.start(env, SIM_MGMTD_OPTIONS)) });
    }
    for (const id of this.storage) {
      const targets = this.plan.targets.filter((t) => t.nodeId === id).map((t) => ({ targetId: t.targetId, path: `target-${t.targetId}` }));
      this.sim.addNode(id, {
        cores: 4,
        boot: async (env) => {
          const mgmtd = this.mgmtdClient(env);
          await this.register(env, mgmtd, 'STORAGE');
          await StorageService.start(env, { ...SIM_STORAGE_OPTIONS, targets, routing: mgmtd, heartbeat: mgmtd });
        },
      });
    }
    this.sim.addNode('admin', {
      boot: async (env) => {
        const mgmtd = this.mgmtdClient(env);
        await retryForever(env, () => mgmtd.installChainTable(this.plan, 1));
        this.setupDone = true;
      },
    });
  }

  mgmtdClient(env: Env): MgmtdClient {
    return MgmtdClient.start(env, { managers: this.managers, refreshIntervalNs: 100 * MS, callTimeoutNs: 200 * MS });
  }

  async register(env: Env, mgmtd: MgmtdClient, type: NodeType): Promise<void> {
    await retryForever(env, () => mgmtd.registerNode(type));
  }

  storageClient(env: Env, mgmtd: MgmtdClient): StorageClient {
    return new StorageClient(env, { clientId: env.nodeId, routing: mgmtd, retry: SIM_CLIENT_RETRY });
  }

  /** True when every chain exists and every target of it is SERVING. */
  static allServing(routing: RoutingInfo | undefined, chainCount: number): boolean {
    if (!routing) return false;
    const chains = Object.values(routing.chains);
    return chains.length === chainCount && chains.every((c) => c.targets.every((t) => t.publicState === 'SERVING'));
  }

  async waitAllServing(env: Env, mgmtd: MgmtdClient, deadlineNs: number): Promise<boolean> {
    while (env.clock.now() < deadlineNs) {
      await mgmtd.refresh().catch(() => undefined);
      if (CraqCluster.allServing(mgmtd.current(), this.plan.chains.length)) return true;
      await env.clock.sleep(50 * MS);
    }
    return false;
  }
}

/** Retries a call that must eventually succeed (setup against managers that may be down). */
async function retryForever<T>(env: Env, body: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await body();
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      await env.clock.sleep(Math.min(500, 20 * 2 ** attempt) * MS);
    }
  }
}
