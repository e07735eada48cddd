import { isFlyerError } from '../../system/env/errors.ts';
import type { Env, NodeId } from '../../system/env/types.ts';
import type { ChainTablePlan } from '../../system/services/mgmtd/chain-table-generator.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import type { MgmtdOptions } from '../../system/services/mgmtd/mgmtd-options.ts';
import { MgmtdService } from '../../system/services/mgmtd/mgmtd-service.ts';
import type { NodeType, RoutingInfo } from '../../system/services/mgmtd/types.ts';
import type { StorageServiceOptions } from '../../system/services/storage/options.ts';
import { StorageService } from '../../system/services/storage/service.ts';
import type { Simulation } from '../simulation.ts';

/**
 * The nodes every simulated data plane has, wired the same way for the fault campaign and the
 * benchmark: managers, storage nodes running the StorageService on their targets from the plan, and an
 * admin node that installs the plan's chain table. Nodes are added in that order (managers, storage,
 * admin), which fixes their indices for network models.
 */
export const MS = 1_000_000;

export interface DataPlaneNodes {
  readonly managers: readonly NodeId[];
  readonly storage: readonly NodeId[];
  readonly plan: ChainTablePlan;
  readonly storageCores: number;
  readonly mgmtdOptions: MgmtdOptions;
  readonly storageOptions: Omit<StorageServiceOptions, 'targets' | 'routing' | 'heartbeat'>;
  /** Called on the admin node once the chain table is installed. */
  readonly onTableInstalled: () => void;
}

export function addDataPlaneNodes(sim: Simulation, nodes: DataPlaneNodes): void {
  for (const id of nodes.managers) {
    sim.addNode(id, { boot: async (env) => void (await MgmtdService.start(env, nodes.mgmtdOptions)) });
  }
  for (const id of nodes.storage) {
    const targets = nodes.plan.targets.filter((t) => t.nodeId === id).map((t) => ({ targetId: t.targetId, path: `target-${t.targetId}` }));
    sim.addNode(id, {
      cores: nodes.storageCores,
      boot: async (env) => {
        const mgmtd = simMgmtdClient(env, nodes.managers);
        await registerUntilAccepted(env, mgmtd, 'STORAGE');
        await StorageService.start(env, { ...nodes.storageOptions, targets, routing: mgmtd, heartbeat: mgmtd });
      },
    });
  }
  sim.addNode('admin', {
    boot: async (env) => {
      const mgmtd = simMgmtdClient(env, nodes.managers);
      await retryForever(env, () => mgmtd.installChainTable(nodes.plan, 1));
      nodes.onTableInstalled();
    },
  });
}

export function simMgmtdClient(env: Env, managers: readonly NodeId[]): MgmtdClient {
  return MgmtdClient.start(env, { managers, refreshIntervalNs: 100 * MS, callTimeoutNs: 200 * MS });
}

/**
 * Registration with exponential backoff (20 ms doubling to 500 ms). The simulated campaign keeps this
 * schedule rather than registerUntilReachable's fixed interval: seed numbers name schedules, and
 * changing it reshuffles which seeds hit which interleavings.
 */
export async function registerUntilAccepted(env: Env, mgmtd: MgmtdClient, type: NodeType): Promise<void> {
  await retryForever(env, () => mgmtd.registerNode(type));
}

/** True when all `chainCount` chains exist and every target of each is SERVING. */
export function allTargetsServing(routing: RoutingInfo | undefined, chainCount: number): boolean {
  if (!routing) return false;
  const chains = Object.values(routing.chains);
  return chains.length === chainCount && chains.every((c) => c.targets.every((t) => t.publicState === 'SERVING'));
}

/** Polls until every target is SERVING; false when the deadline passes first. */
export async function waitAllServing(env: Env, mgmtd: MgmtdClient, chainCount: number, deadlineNs: number, pollNs = 50 * MS): Promise<boolean> {
  while (env.clock.now() < deadlineNs) {
    await mgmtd.refresh().catch(() => undefined);
    if (allTargetsServing(mgmtd.current(), chainCount)) return true;
    await env.clock.sleep(pollNs);
  }
  return false;
}

/** Retries a call that must eventually succeed (setup against managers that may be down or electing). */
export async function retryForever<T>(env: Env, body: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await body();
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      await env.clock.sleep(Math.min(500, 20 * 2 ** attempt) * MS);
    }
  }
}
