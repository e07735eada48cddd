import { SimKvCluster } from '../../sim/kv/sim-kv.ts';
import { Simulation } from '../../sim/simulation.ts';
import { randomStream } from '../../system/env/random.ts';
import type { Env, NodeId } from '../../system/env/types.ts';
import { MetaClient } from '../../system/services/meta/meta-client.ts';
import { MetaService, type MetaServiceOptions } from '../../system/services/meta/meta-service.ts';
import type { NamespaceApi } from './commands.ts';
import { callerOf, staticRoutingProvider, TEST_ROOT_LAYOUT } from './harness.ts';

/**
 * A simulated metadata cluster without storage: N meta servers (MetaService over the simulated shared
 * KV, routing from a static chain table) and client nodes running test code with a MetaClient. A
 * nemesis crashes and restarts meta servers on a seeded schedule. Namespace-only: no mgmtd, no chunks.
 */
export const MS = 1_000_000;
export const S = 1_000_000_000;
/** A client's wait for one server before it tries another. */
export const ATTEMPT_TIMEOUT_NS = 1 * S;

export const TEST_META_OPTIONS: MetaServiceOptions = {
  routing: staticRoutingProvider,
  rootLayout: TEST_ROOT_LAYOUT,
  gcDelayNs: 1 * S,
  gcIntervalNs: 300 * MS,
  stampIntervalNs: 300 * MS,
  serverTimeoutNs: 2 * S,
};

export interface MetaSimSpec {
  readonly seed: number;
  readonly metaServers: number;
  readonly clients: number;
  /** What each client node runs once booted. */
  readonly client: (env: Env, client: number, meta: MetaClient) => Promise<void>;
}

export class MetaSimCluster {
  readonly kv = new SimKvCluster();
  readonly sim: Simulation;
  readonly servers: NodeId[];
  readonly done = new Set<number>();
  readonly crashes: string[] = [];

  constructor(readonly spec: MetaSimSpec) {
    this.sim = new Simulation({ seed: spec.seed, kvFactory: this.kv.factory });
    this.servers = Array.from({ length: spec.metaServers }, (_, i) => `meta-${i + 1}`);
    for (const id of this.servers) {
      this.sim.addNode(id, { boot: async (env) => void (await MetaService.start(env, TEST_META_OPTIONS)) });
    }
    for (let client = 0; client < spec.clients; client++) {
      this.sim.addNode(`client-${client}`, {
        boot: async (env) => {
          const meta = new MetaClient(env, { servers: this.servers, caller: callerOf(client), attemptTimeoutNs: ATTEMPT_TIMEOUT_NS, totalTimeoutNs: 60 * S });
          await spec.client(env, client, meta);
          this.done.add(client);
        },
      });
    }
  }

  get allDone(): boolean {
    return this.done.size === this.spec.clients;
  }

  /**
   * Crashes a random meta server every `everyNs` on average while the clients work (always leaving one
   * up), restarting each after 0.2-2 s; at most `count` crashes. Messages are also lost or delivered
   * twice with the given probabilities: a lost reply to a committed change, or a request served twice,
   * is what request ids must make harmless.
   */
  startNemesis(count: number, everyNs: number, network: { dropProbability: number; duplicateProbability: number }): void {
    this.sim.netFaults.dropProbability = network.dropProbability;
    this.sim.netFaults.duplicateProbability = network.duplicateProbability;
    const random = randomStream(this.spec.seed, 'kernel', 'test.meta-nemesis');
    const strike = (left: number): void => {
      if (left === 0 || this.allDone) return;
      const up = this.servers.filter((id) => this.sim.node(id).up);
      if (up.length > 1) {
        const victim = up[random.int(up.length)]!;
        this.sim.crash(victim);
        this.crashes.push(`${victim}@${this.sim.kernel.nowNs}`);
        this.sim.after(200 * MS + random.int(1800) * MS, () => this.sim.restart(victim));
      }
      this.sim.after(Math.round(everyNs * (0.5 + random.next())), () => strike(left - 1));
    };
    this.sim.after(Math.round(everyNs * random.next()), () => strike(count));
  }

  /** Runs until every client is done (or the deadline), then lets GC settle with every server up. */
  async runToEnd(deadlineNs: number, settleNs: number): Promise<void> {
    await this.sim.run({ untilNs: deadlineNs, stopWhen: () => this.allDone });
    this.sim.netFaults.calm();
    for (const id of this.servers) this.sim.restart(id);
    await this.sim.run({ untilNs: this.sim.kernel.nowNs + settleNs });
  }
}

/** MetaClient in the shape the command runner calls. */
export function clientApi(meta: MetaClient): NamespaceApi {
  return {
    mkdirs: (path, options) => meta.mkdirs(path, options),
    create: (path, options) => meta.create(path, options),
    symlink: (path, target) => meta.symlink(path, target),
    hardLink: (oldPath, newPath) => meta.hardLink(oldPath, newPath),
    remove: (path, options) => meta.remove(path, options),
    rename: (srcPath, dstPath) => meta.rename(srcPath, dstPath),
    stat: (path, followLast) => meta.stat(path, followLast),
    listAll: (path) => meta.listAll(path),
    realPath: (path) => meta.realPath(path),
    truncate: (path, lengthBytes) => meta.truncate({ path }, lengthBytes),
    setAttr: (path, attrs) => meta.setAttr(path, attrs),
  };
}
