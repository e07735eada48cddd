import { SimKvCluster } from '../../sim/kv/sim-kv.ts';
import { Simulation } from '../../sim/simulation.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import type { Env, NodeId } from '../../system/env/types.ts';
import { generateChainTable, type ChainTablePlan } from '../../system/services/mgmtd/chain-table-generator.ts';
import { mgmtdGetRouting } from '../../system/services/mgmtd/messages.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import type { MgmtdOptions } from '../../system/services/mgmtd/mgmtd-options.ts';
import { MgmtdService } from '../../system/services/mgmtd/mgmtd-service.ts';
import type { ChainInfo, RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { bootFakeStorage } from './fake-storage.ts';

/**
 * A simulated cluster for manager tests: N managers over one shared simulated KV, storage stand-ins
 * (fake-storage.ts) hosting a balanced chain table, an admin node that uploads targets, chains and the
 * table, and an observer that polls the primary's raw routing snapshots and checks, at every poll,
 * what must always hold (versions never go back, one version = one snapshot, chain invariants).
 */
export const MS = 1_000_000;
export const S = 1_000_000_000;

export const TEST_MGMTD_OPTIONS: MgmtdOptions = {
  leaseLengthNs: 2 * S,
  extendLeaseIntervalNs: 400 * MS,
  bootstrappingNs: 1 * S,
  newChainBootstrapNs: 300 * MS,
  heartbeatFailNs: 1 * S,
  checkIntervalNs: 100 * MS,
  updateChainsIntervalNs: 100 * MS,
  clientSessionTimeoutNs: 2 * S,
};

export interface ClusterSpec {
  readonly seed: number;
  readonly managers?: number;
  readonly storageNodes?: number;
  readonly targetsPerNode?: number;
  readonly replication?: number;
  readonly mgmtd?: MgmtdOptions;
  /** Upload targets, chains and a table from the admin node (default true). */
  readonly setup?: boolean;
  /** Storage stand-ins restart a target they took OFFLINE after this long (default: never). */
  readonly targetRestartDelayNs?: number;
}

export interface Observation {
  readonly atNs: number;
  readonly routingVersion: number;
  readonly primary: NodeId;
}

export class MgmtdTestCluster {
  readonly sim: Simulation;
  readonly kv = new SimKvCluster();
  readonly managers: NodeId[];
  readonly storage: NodeId[];
  readonly plan: ChainTablePlan;
  readonly services = new Map<NodeId, MgmtdService>();
  readonly observations: Observation[] = [];
  /** Every distinct snapshot seen, by routing version. */
  readonly snapshots = new Map<number, RoutingInfo>();
  readonly violations: string[] = [];
  setupDone = false;

  constructor(readonly spec: ClusterSpec) {
    this.sim = new Simulation({ seed: spec.seed, kvFactory: this.kv.factory });
    this.managers = Array.from({ length: spec.managers ?? 3 }, (_, i) => `mgmtd-${i + 1}`);
    this.storage = Array.from({ length: spec.storageNodes ?? 3 }, (_, i) => `storage-${i + 1}`);
    this.plan = generateChainTable({ nodes: this.storage, targetsPerDisk: spec.targetsPerNode ?? 2, replication: spec.replication ?? 3 });
    for (const id of this.managers) {
      this.sim.addNode(id, {
        boot: async (env) => {
          this.services.set(id, await MgmtdService.start(env, { ...TEST_MGMTD_OPTIONS, ...spec.mgmtd }));
        },
      });
    }
    for (const id of this.storage) {
      const targets = this.plan.targets.filter((t) => t.nodeId === id).map((t) => t.targetId);
      this.sim.addNode(id, {
        boot: (env) => bootFakeStorage(env, {
          managers: this.managers, targets, heartbeatIntervalNs: 100 * MS, refreshIntervalNs: 100 * MS, syncDurationNs: 300 * MS, callTimeoutNs: 200 * MS,
          targetRestartDelayNs: spec.targetRestartDelayNs,
        }),
      });
    }
    if (spec.setup ?? true) this.sim.addNode('admin', { boot: (env) => this.#setup(env) });
    this.sim.addNode('observer', { boot: (env) => this.#observe(env) });
  }

  client(env: Env): MgmtdClient {
    return MgmtdClient.start(env, { managers: this.managers, refreshIntervalNs: 0, callTimeoutNs: 200 * MS });
  }

  get primary(): NodeId | undefined {
    return this.managers.find((id) => this.sim.node(id).up && this.services.get(id)?.isPrimary);
  }

  /** The newest snapshot the observer saw. */
  latest(): RoutingInfo {
    const version = Math.max(...this.snapshots.keys());
    return this.snapshots.get(version)!;
  }

  chains(routing = this.latest()): ChainInfo[] {
    return Object.values(routing.chains);
  }

  async run(untilNs: number): Promise<void> {
    await this.sim.run({ untilNs });
  }

  async #setup(env: Env): Promise<void> {
    const mgmtd = this.client(env);
    // No wait for heartbeats: new chains are left alone for newChainBootstrapNs while local states arrive.
    await retry(env, () => mgmtd.installChainTable(this.plan, 1));
    this.setupDone = true;
  }

  async #observe(env: Env): Promise<void> {
    const mgmtd = this.client(env);
    for (;;) {
      await env.clock.sleep(50 * MS);
      let routing: RoutingInfo | undefined;
      try {
        routing = (await mgmtd.call(mgmtdGetRouting, { knownVersion: 0 })).routing;
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        continue;
      }
      if (!routing) {
        this.violations.push(`${env.clock.now()}: getRoutingInfo(0) returned no snapshot`);
        continue;
      }
      this.#check(env.clock.now(), routing);
    }
  }

  #check(atNs: number, routing: RoutingInfo): void {
    const previous = this.observations[this.observations.length - 1];
    if (previous && routing.routingVersion < previous.routingVersion) {
      this.violations.push(`${atNs}: routing version went back ${previous.routingVersion} -> ${routing.routingVersion}`);
    }
    this.observations.push({ atNs, routingVersion: routing.routingVersion, primary: routing.primary });
    const known = this.snapshots.get(routing.routingVersion);
    if (known && JSON.stringify(known) !== JSON.stringify(routing)) this.violations.push(`${atNs}: two different snapshots at version ${routing.routingVersion}`);
    const before = this.snapshots.size > 0 ? this.latest() : undefined;
    this.snapshots.set(routing.routingVersion, routing);
    for (const chain of Object.values(routing.chains)) {
      const count = (state: string): number => chain.targets.filter((t) => t.publicState === state).length;
      if (count('SYNCING') > 1) this.violations.push(`${atNs}: chain ${chain.chainId} has ${count('SYNCING')} SYNCING targets`);
      if (count('SERVING') + count('LASTSRV') === 0) this.violations.push(`${atNs}: chain ${chain.chainId} has no SERVING or LASTSRV target`);
      const older = before?.chains[String(chain.chainId)];
      if (older && before!.routingVersion < routing.routingVersion && chain.chainVersion < older.chainVersion) {
        this.violations.push(`${atNs}: chain ${chain.chainId} version went back ${older.chainVersion} -> ${chain.chainVersion}`);
      }
    }
  }
}

/** Retries a manager call until it succeeds (a primary may not be elected yet). */
export async function retry<T>(env: Env, call: () => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isFlyerError(error) || attempt >= attempts || ['INVALID_ARGUMENT', 'MGMTD_CHAIN_INVALID'].includes(error.code)) throw error;
      await env.clock.sleep(100 * MS);
    }
  }
}
