import { assert } from '../system/env/assert.ts';
import { FlyerError } from '../system/env/errors.ts';
import { RingLogSink, type LogEntry } from '../system/env/log.ts';
import { randomStream, type RandomStream } from '../system/env/random.ts';
import type { ChunkStore, ChunkStoreOptions } from '../system/env/chunk-store.ts';
import type { KvStore } from '../system/env/kv.ts';
import type { Env, NodeId } from '../system/env/types.ts';
import { CpuModel } from './cpu/cpu-model.ts';
import { DEFAULT_SSD, SsdModel, type SsdOptions } from './disk/ssd-model.ts';
import { KERNEL_NODE, Kernel, type RunOptions, type RunResult } from './kernel/kernel.ts';
import { NetworkFaults } from './net-faults.ts';
import { SimNode, type BootFunction } from './node-runtime.ts';
import { SimEnv, type SimServices } from './sim-env.ts';
import type { SimRpc } from './sim-rpc.ts';
import type { NetworkTransport } from './transport.ts';

export interface SimulationOptions {
  readonly seed: number;
  /** Virtual wall-clock origin, so logs show plausible dates; fixed, never read from the machine. */
  readonly epochWallNs?: number;
  readonly tripwires?: boolean;
  readonly chunkStoreFactory?: (env: Env, options: ChunkStoreOptions) => Promise<ChunkStore>;
  readonly kvFactory?: (env: Env, name: string) => Promise<KvStore>;
  /** Log entries kept in memory (printed for a failing seed). */
  readonly logCapacity?: number;
}

export interface NodeOptions {
  readonly boot: BootFunction;
  readonly cores?: number;
  readonly ssd?: SsdOptions;
}

/** Fixed latency of the default network: enough to order messages, for runs that study correctness only. */
export const IDEAL_NETWORK_LATENCY_NS = 5_000;

/**
 * A simulated cluster: the kernel, the nodes (each with its disk, SSD and CPU models and current
 * incarnation), the network model with fault injection in front of it, buggify sites and coverage.
 */
export class Simulation implements SimServices {
  readonly kernel: Kernel;
  readonly seed: number;
  readonly epochWallNs: number;
  readonly netFaults: NetworkFaults;
  readonly logs: RingLogSink;
  readonly logSink: (entry: LogEntry) => void;
  readonly chunkStoreFactory: SimulationOptions['chunkStoreFactory'];
  readonly kvFactory: SimulationOptions['kvFactory'];
  /** Failures of service code (a boot that threw, an unexpected exception): every one is a bug. */
  readonly failures: string[] = [];
  readonly #nodes: SimNode[] = [];
  readonly #nodesById = new Map<NodeId, SimNode>();
  readonly #coverage = new Map<string, number>();
  readonly #buggifySites = new Map<string, boolean>();
  readonly #buggifyStreams = new Map<string, RandomStream>();
  buggifyEnabled = false;
  #network: NetworkTransport;

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.kernel = new Kernel({ tripwires: options.tripwires ?? true });
    this.epochWallNs = options.epochWallNs ?? 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z
    this.netFaults = new NetworkFaults(randomStream(options.seed, 'kernel', 'sim.net-faults'));
    this.logs = new RingLogSink(options.logCapacity ?? 20_000);
    this.logSink = this.logs.sink;
    this.chunkStoreFactory = options.chunkStoreFactory;
    this.kvFactory = options.kvFactory;
    this.#network = idealNetwork(this.kernel, IDEAL_NETWORK_LATENCY_NS);
  }

  get nodes(): readonly SimNode[] {
    return this.#nodes;
  }

  /** Replaces the default fixed-latency network with a performance model (indexed by node index). */
  setNetwork(network: NetworkTransport): void {
    this.#network = network;
  }

  addNode(id: NodeId, options: NodeOptions): SimNode {
    if (this.#nodesById.has(id)) throw new FlyerError('INVALID_ARGUMENT', `node ${id} already exists`);
    const index = this.kernel.addNode();
    const node = new SimNode(id, index, this.kernel, new SsdModel(this.kernel, options.ssd ?? DEFAULT_SSD),
      new CpuModel(this.kernel, options.cores ?? 8), options.boot);
    this.#nodes.push(node);
    this.#nodesById.set(id, node);
    return node;
  }

  node(id: NodeId): SimNode {
    const node = this.#nodesById.get(id);
    if (!node) throw new FlyerError('SIM_NODE_UNKNOWN', id);
    return node;
  }

  nodeById(id: NodeId): SimNode | undefined {
    return this.#nodesById.get(id);
  }

  rpcOf(node: SimNode): SimRpc | undefined {
    return node.up ? (node.env as SimEnv | undefined)?.rpc : undefined;
  }

  /** Boots every node that is not up yet, at the current instant. */
  start(): void {
    for (const node of this.#nodes) if (!node.up) this.#boot(node);
  }

  /** Kills the node: its current incarnation ends, unsynced writes are lost. */
  crash(id: NodeId): void {
    const node = this.node(id);
    if (!node.up) return;
    node.incarnation = this.kernel.crash(node.index);
    node.up = false;
    node.env = undefined;
    for (const file of node.files.values()) file.crash();
    node.metrics.counter('sim_crashes').add();
  }

  /** Starts a new incarnation of a crashed node on its persistent disk. */
  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.up) return;
    this.#boot(node);
    node.metrics.counter('sim_restarts').add();
  }

  pause(id: NodeId): void {
    this.kernel.pause(this.node(id).index);
  }

  resume(id: NodeId): void {
    this.kernel.resume(this.node(id).index);
  }

  transmit(from: SimNode, to: SimNode, sizeBytes: number, traceValue: number, onArrive: () => void): void {
    this.kernel.fingerprint.mix3(from.index * 65536 + to.index, sizeBytes, traceValue);
    this.netFaults.route(from.index, to.index, (delayNs) => {
      const send = (): void => this.#network.send({
        fromNode: from.index,
        toNode: to.index,
        sizeBytes,
        onDelivered: () => {
          if (this.netFaults.blocked(from.index, to.index)) return;
          onArrive();
        },
      });
      if (delayNs > 0) this.kernel.scheduleModel(this.kernel.nowNs + delayNs, send);
      else send();
    });
  }

  buggify(node: SimNode, site: string, probability: number): boolean {
    if (!this.buggifyEnabled) return false;
    let enabled = this.#buggifySites.get(site);
    if (enabled === undefined) {
      // Each site is switched on for a whole run with probability 1/4 (FoundationDB's default), decided by
      // (seed, site) alone so that the order in which sites are first reached does not matter.
      enabled = randomStream(this.seed, 'kernel', `buggify-site:${site}`).chance(0.25);
      this.#buggifySites.set(site, enabled);
    }
    if (!enabled) return false;
    const key = `${node.index}#${node.incarnation}`;
    let stream = this.#buggifyStreams.get(key);
    if (!stream) this.#buggifyStreams.set(key, (stream = randomStream(this.seed, `${node.id}#${node.incarnation}`, 'sim.buggify')));
    const fired = stream.chance(probability);
    if (fired) this.sometimes(`buggify:${site}`, true);
    return fired;
  }

  sometimes(property: string, condition: boolean): void {
    const hits = this.#coverage.get(property) ?? 0;
    this.#coverage.set(property, condition ? hits + 1 : hits);
  }

  /** Properties seen, with how often they held (0 means reached but never true). */
  coverage(): Map<string, number> {
    return new Map([...this.#coverage].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Schedules kernel-level work (a workload driver, a checker) `delayNs` from now. */
  after(delayNs: number, callback: () => void): void {
    this.kernel.scheduleWake(this.kernel.nowNs + delayNs, KERNEL_NODE, 0, callback);
  }

  /** A kernel-level sleep for drivers and checkers, which belong to no node. */
  sleep(durationNs: number): Promise<void> {
    return new Promise((resolve) => this.after(durationNs, resolve));
  }

  run(options: RunOptions = {}): Promise<RunResult> {
    return this.kernel.run(options);
  }

  #boot(node: SimNode): void {
    assert(!node.up, `node ${node.id} is already up`);
    node.up = true;
    const incarnation = node.incarnation;
    const env = new SimEnv(node, incarnation, this);
    node.env = env;
    node.wakeNow(incarnation, () => {
      Promise.resolve()
        .then(() => node.boot(env))
        .catch((error: unknown) => {
          if (node.isCurrent(incarnation)) this.failures.push(`${node.id} boot failed: ${(error as Error).stack ?? String(error)}`);
        });
    });
  }
}

/** Every message takes the same fixed latency: for correctness runs that do not study performance. */
function idealNetwork(kernel: Kernel, latencyNs: number): NetworkTransport {
  return {
    send: (transfer) => kernel.scheduleModel(kernel.nowNs + latencyNs, transfer.onDelivered),
  };
}
