/**
 * The simulated cluster of the storage benchmark: managers over a simulated KV, storage nodes running
 * the real StorageService on per-drive simulated chunk stores, an admin node that installs the chain
 * table, and client nodes whose work the caller supplies. The network is the segment-level model with
 * the spec's ports; no faults are injected (a calm run).
 *
 * Node indices (what the network model and the analytic bound see): managers, storage nodes, admin,
 * then clients, in that order.
 */
import { isFlyerError } from '../../system/env/errors.ts';
import type { Env, NodeId } from '../../system/env/types.ts';
import { generateChainTable, type ChainTablePlan } from '../../system/services/mgmtd/chain-table-generator.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import { MgmtdService } from '../../system/services/mgmtd/mgmtd-service.ts';
import type { NodeType, RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { StorageService } from '../../system/services/storage/service.ts';
import { SimKvCluster } from '../kv/sim-kv.ts';
import { NetworkModel, type NodeNetConfig } from '../net/index.ts';
import { SIM_MGMTD_OPTIONS, SIM_STORAGE_OPTIONS } from '../scenarios/craq-cluster.ts';
import { Simulation } from '../simulation.ts';
import { PerSsdStores } from './per-ssd-store.ts';
import { MS, type PortSpec, type StorageBenchSpec } from './storage-bench-spec.ts';

export type ClientBoot = (env: Env, clientIndex: number, cluster: BenchCluster) => Promise<void>;

export class BenchCluster {
  readonly sim: Simulation;
  readonly kv = new SimKvCluster();
  readonly stores: PerSsdStores;
  readonly managers: NodeId[];
  readonly storage: NodeId[];
  readonly clients: NodeId[];
  readonly plan: ChainTablePlan;
  readonly network: NetworkModel;
  readonly #diskOfTarget = new Map<number, number>();
  tableInstalled = false;

  constructor(readonly spec: StorageBenchSpec, clientBoot: ClientBoot) {
    this.managers = Array.from({ length: spec.managers }, (_, i) => `mgmtd-${i + 1}`);
    this.storage = Array.from({ length: spec.storageNodes }, (_, i) => `storage-${i + 1}`);
    this.clients = Array.from({ length: spec.clients }, (_, i) => `client-${i + 1}`);
    this.plan = generateChainTable({
      nodes: this.storage, disksPerNode: spec.ssdsPerNode, targetsPerDisk: spec.targetsPerSsd, replication: spec.replication, seed: spec.seed,
    });
    for (const target of this.plan.targets) this.#diskOfTarget.set(target.targetId, target.diskIndex);
    this.stores = new PerSsdStores({ ssd: spec.ssd, diskOfTarget: (targetId) => this.diskOf(targetId) });
    this.sim = new Simulation({ seed: spec.seed, kvFactory: this.kv.factory, chunkStoreFactory: this.stores.factory });
    this.stores.attach(this.sim);

    const ports: PortSpec[] = [];
    for (const id of this.managers) {
      this.sim.addNode(id, { boot: async (env) => void (await MgmtdService.start(env, SIM_MGMTD_OPTIONS)) });
      ports.push(spec.controlPort);
    }
    for (const id of this.storage) {
      const targets = this.plan.targets.filter((t) => t.nodeId === id).map((t) => ({ targetId: t.targetId, path: `target-${t.targetId}` }));
      this.sim.addNode(id, {
        cores: 32,
        boot: async (env) => {
          const mgmtd = this.mgmtdClient(env);
          await this.register(env, mgmtd, 'STORAGE');
          await StorageService.start(env, { ...SIM_STORAGE_OPTIONS, targets, routing: mgmtd, heartbeat: mgmtd });
        },
      });
      ports.push(spec.storagePort);
    }
    this.sim.addNode('admin', {
      boot: async (env) => {
        const mgmtd = this.mgmtdClient(env);
        await retryForever(env, () => mgmtd.installChainTable(this.plan, 1));
        this.tableInstalled = true;
      },
    });
    ports.push(spec.controlPort);
    for (const [index, id] of this.clients.entries()) {
      this.sim.addNode(id, { boot: (env) => clientBoot(env, index, this) });
      ports.push(spec.clientPort);
    }
    this.network = new NetworkModel({
      kernel: this.sim.kernel,
      config: {
        nodes: ports.map((port): NodeNetConfig => ({ ports: port.ports, lineRateBitsPerSec: port.lineRateBitsPerSec, efficiency: port.efficiency })),
        segmentBytes: spec.segmentBytes,
        hopLatencyNs: spec.hopLatencyNs,
        loopbackLatencyNs: spec.loopbackLatencyNs,
      },
    });
    this.sim.setNetwork(this.network);
  }

  diskOf(targetId: number): number {
    const disk = this.#diskOfTarget.get(targetId);
    if (disk === undefined) throw new Error(`target ${targetId} is not in the plan`);
    return disk;
  }

  nodeIndex(id: NodeId): number {
    return this.sim.node(id).index;
  }

  mgmtdClient(env: Env): MgmtdClient {
    return MgmtdClient.start(env, { managers: this.managers, refreshIntervalNs: 100 * MS, callTimeoutNs: 200 * MS });
  }

  register(env: Env, mgmtd: MgmtdClient, type: NodeType): Promise<unknown> {
    return retryForever(env, () => mgmtd.registerNode(type));
  }

  /** Registers, then waits until every chain exists with every target SERVING; false at the deadline. */
  async waitAllServing(env: Env, mgmtd: MgmtdClient, deadlineNs: number): Promise<boolean> {
    await this.register(env, mgmtd, 'CLIENT');
    while (env.clock.now() < deadlineNs) {
      await mgmtd.refresh().catch(() => undefined);
      if (allServing(mgmtd.current(), this.plan.chains.length)) return true;
      await env.clock.sleep(20 * MS);
    }
    return false;
  }
}

function allServing(routing: RoutingInfo | undefined, chainCount: number): boolean {
  if (!routing) return false;
  const chains = Object.values(routing.chains);
  return chains.length === chainCount && chains.every((c) => c.targets.every((t) => t.publicState === 'SERVING'));
}

/** Retries a setup call that must eventually succeed (managers still electing a primary). */
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
