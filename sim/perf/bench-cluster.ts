/**
 * The simulated cluster of the storage benchmark: managers over a simulated KV, storage nodes running
 * the real StorageService on per-drive simulated chunk stores, an admin node that installs the chain
 * table, and client nodes whose work the caller supplies. The network is the segment-level model with
 * the spec's ports; no faults are injected (a calm run).
 *
 * Node indices (what the network model and the analytic bound see): managers, storage nodes, admin,
 * extra nodes (a workload's meta servers), then clients, in that order.
 */
import type { Env, NodeId } from '../../system/env/types.ts';
import { generateChainTable, type ChainTablePlan } from '../../system/services/mgmtd/chain-table-generator.ts';
import type { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import { SimKvCluster } from '../kv/sim-kv.ts';
import { NetworkModel, type NodeNetConfig } from '../net/index.ts';
import { SIM_MGMTD_OPTIONS, SIM_STORAGE_OPTIONS } from '../scenarios/craq-cluster.ts';
import { addDataPlaneNodes, registerUntilAccepted, simMgmtdClient, waitAllServing } from '../scenarios/data-plane-nodes.ts';
import { Simulation } from '../simulation.ts';
import { PerSsdStores } from './per-ssd-store.ts';
import { MS, type PortSpec, type StorageBenchSpec } from './storage-bench-spec.ts';

export type ClientBoot = (env: Env, clientIndex: number, cluster: BenchCluster) => Promise<void>;

/** Nodes a workload adds beside the data plane (meta servers), placed after the admin node. */
export interface ExtraNode {
  readonly id: NodeId;
  readonly port: PortSpec;
  readonly boot: (env: Env, cluster: BenchCluster) => Promise<void>;
}

export interface BenchClusterExtras {
  readonly nodes?: readonly ExtraNode[];
  /** Cores of each client node (compute stages charge them); default 1. */
  readonly clientCores?: number;
}

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

  constructor(readonly spec: StorageBenchSpec, clientBoot: ClientBoot, extras: BenchClusterExtras = {}) {
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

    addDataPlaneNodes(this.sim, {
      managers: this.managers, storage: this.storage, plan: this.plan, storageCores: 32,
      mgmtdOptions: SIM_MGMTD_OPTIONS, storageOptions: SIM_STORAGE_OPTIONS,
      onTableInstalled: () => { this.tableInstalled = true; },
    });
    // Ports in node order: managers, storage nodes, the admin node (see addDataPlaneNodes), clients.
    const ports: PortSpec[] = [
      ...this.managers.map(() => spec.controlPort),
      ...this.storage.map(() => spec.storagePort),
      spec.controlPort,
    ];
    for (const extra of extras.nodes ?? []) {
      this.sim.addNode(extra.id, { boot: (env) => extra.boot(env, this) });
      ports.push(extra.port);
    }
    for (const [index, id] of this.clients.entries()) {
      this.sim.addNode(id, { ...(extras.clientCores !== undefined ? { cores: extras.clientCores } : {}), boot: (env) => clientBoot(env, index, this) });
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
    return simMgmtdClient(env, this.managers);
  }

  /** Registers, then waits until every chain exists with every target SERVING; false at the deadline. */
  async waitAllServing(env: Env, mgmtd: MgmtdClient, deadlineNs: number): Promise<boolean> {
    await registerUntilAccepted(env, mgmtd, 'CLIENT');
    return waitAllServing(env, mgmtd, this.plan.chains.length, deadlineNs, 20 * MS);
  }
}
