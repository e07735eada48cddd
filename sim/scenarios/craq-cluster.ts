import type { Env, NodeId } from '../../system/env/types.ts';
import { StorageClient } from '../../system/services/client/storage-client.ts';
import type { RetryOptions } from '../../system/services/client/retry-policy.ts';
import { generateChainTable, type ChainTablePlan } from '../../system/services/mgmtd/chain-table-generator.ts';
import type { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import type { MgmtdOptions } from '../../system/services/mgmtd/mgmtd-options.ts';
import type { NodeType } from '../../system/services/mgmtd/types.ts';
import type { StorageServiceOptions } from '../../system/services/storage/options.ts';
import { simChunkStoreFactory } from '../chunk-store/index.ts';
import { SimKvCluster } from '../kv/sim-kv.ts';
import { Simulation } from '../simulation.ts';
import { addDataPlaneNodes, registerUntilAccepted, simMgmtdClient, waitAllServing } from './data-plane-nodes.ts';

/**
 * A simulated 3FS data plane: managers over a shared simulated KV, storage nodes running the CRAQ
 * storage service on simulated chunk stores, and a balanced chain table uploaded by an admin node.
 * Intervals are scaled down from 3FS's (seconds to tens of milliseconds) so a run covers many
 * failures and recoveries in a few virtual seconds.
 */
export { MS } from './data-plane-nodes.ts';
const MS = 1_000_000;
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
    addDataPlaneNodes(this.sim, {
      managers: this.managers, storage: this.storage, plan: this.plan, storageCores: 4,
      mgmtdOptions: SIM_MGMTD_OPTIONS, storageOptions: SIM_STORAGE_OPTIONS,
      onTableInstalled: () => { this.setupDone = true; },
    });
  }

  mgmtdClient(env: Env): MgmtdClient {
    return simMgmtdClient(env, this.managers);
  }

  async register(env: Env, mgmtd: MgmtdClient, type: NodeType): Promise<void> {
    await registerUntilAccepted(env, mgmtd, type);
  }

  storageClient(env: Env, mgmtd: MgmtdClient): StorageClient {
    return new StorageClient(env, { clientId: env.nodeId, routing: mgmtd, retry: SIM_CLIENT_RETRY });
  }

  async waitAllServing(env: Env, mgmtd: MgmtdClient, deadlineNs: number): Promise<boolean> {
    return waitAllServing(env, mgmtd, this.plan.chains.length, deadlineNs);
  }
}
