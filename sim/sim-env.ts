import { FlyerError } from '../system/env/errors.ts';
import { StructuredLogger, type Logger } from '../system/env/log.ts';
import type { Metrics } from '../system/env/metrics.ts';
import { randomStream, type RandomStream } from '../system/env/random.ts';
import type { ChunkStore, ChunkStoreOptions } from '../system/env/chunk-store.ts';
import type { KvStore } from '../system/env/kv.ts';
import type { Clock, Cpu, Disk, Env, NodeId, Timer } from '../system/env/types.ts';
import type { SimNode } from './node-runtime.ts';
import { SimDisk } from './sim-disk.ts';
import { SimRpc, type SimFabric } from './sim-rpc.ts';

/** What a SimEnv needs from its Simulation besides the fabric. */
export interface SimServices extends SimFabric {
  readonly seed: number;
  readonly logSink: (entry: import('../system/env/log.ts').LogEntry) => void;
  readonly epochWallNs: number;
  buggify(node: SimNode, site: string, probability: number): boolean;
  sometimes(property: string, condition: boolean): void;
  chunkStoreFactory?: (env: Env, options: ChunkStoreOptions) => Promise<ChunkStore>;
  kvFactory?: (env: Env, name: string) => Promise<KvStore>;
}

/**
 * The Env of one incarnation of one simulated node. Every way back into service code (timers, RPC
 * responses, disk completions, CPU charges) is a kernel wake of this incarnation, so after a crash
 * nothing of the old incarnation ever runs again.
 */
export class SimEnv implements Env {
  readonly mode = 'sim' as const;
  readonly nodeId: NodeId;
  readonly clock: Clock;
  readonly rpc: SimRpc;
  readonly disk: Disk;
  readonly cpu: Cpu;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly #streams = new Map<string, RandomStream>();

  constructor(private readonly node: SimNode, readonly incarnation: number, private readonly services: SimServices) {
    this.nodeId = node.id;
    this.clock = new SimClock(node, incarnation, services.epochWallNs);
    this.rpc = new SimRpc(node, incarnation, services);
    this.disk = new SimDisk(node, incarnation, randomStream(services.seed, `${node.id}#${incarnation}`, 'sim.disk-faults'));
    this.cpu = {
      cores: node.cpu.cores,
      charge: (durationNs: number) => new Promise<void>((resolve) => node.cpu.charge(durationNs, () => node.wakeNow(incarnation, resolve))),
    };
    this.metrics = node.metrics;
    this.log = new StructuredLogger(node.id, () => node.kernel.nowNs, services.logSink, 'debug');
  }

  random(subsystem: string): RandomStream {
    let stream = this.#streams.get(subsystem);
    if (!stream) {
      // The incarnation is part of the key: a restarted node must not replay its first life's draws.
      stream = randomStream(this.services.seed, `${this.node.id}#${this.incarnation}`, subsystem);
      this.#streams.set(subsystem, stream);
    }
    return stream;
  }

  openChunkStore(options: ChunkStoreOptions): Promise<ChunkStore> {
    if (!this.services.chunkStoreFactory) {
      return Promise.reject(new FlyerError('NOT_IMPLEMENTED', 'this simulation has no chunk store factory'));
    }
    return this.services.chunkStoreFactory(this, options);
  }

  openKv(name: string): Promise<KvStore> {
    if (!this.services.kvFactory) return Promise.reject(new FlyerError('NOT_IMPLEMENTED', 'this simulation has no KV factory'));
    return this.services.kvFactory(this, name);
  }

  buggify(site: string, probability = 0.05): boolean {
    return this.services.buggify(this.node, site, probability);
  }

  sometimes(property: string, condition = true): void {
    this.services.sometimes(property, condition);
  }
}

class SimClock implements Clock {
  constructor(private readonly node: SimNode, private readonly incarnation: number, private readonly epochWallNs: number) {}

  now(): number {
    return this.node.kernel.nowNs;
  }

  wallNs(): number {
    return this.epochWallNs + this.node.kernel.nowNs + this.node.clockOffsetNs;
  }

  sleep(durationNs: number, signal?: AbortSignal): Promise<void> {
    checkDuration(durationNs);
    if (!signal) {
      // The common case, kept lean: it is the hottest path of every simulated service loop.
      const kernel = this.node.kernel;
      return new Promise<void>((resolve) => kernel.scheduleWake(kernel.nowNs + Math.ceil(durationNs), this.node.index, this.incarnation, resolve));
    }
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new FlyerError('ABORTED', 'sleep aborted'));
      let done = false;
      // The listener is removed when the sleep ends: a long-lived signal must not collect one per sleep.
      const onAbort = (): void => {
        if (done) return;
        done = true;
        reject(new FlyerError('ABORTED', 'sleep aborted'));
      };
      this.node.kernel.scheduleWake(this.node.kernel.nowNs + Math.ceil(durationNs), this.node.index, this.incarnation, () => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimer(delayNs: number, callback: () => void): Timer {
    checkDuration(delayNs);
    let cancelled = false;
    this.node.kernel.scheduleWake(this.node.kernel.nowNs + Math.ceil(delayNs), this.node.index, this.incarnation, () => {
      if (!cancelled) callback();
    });
    return { cancel: () => { cancelled = true; } };
  }
}

function checkDuration(durationNs: number): void {
  if (!(durationNs >= 0) || !Number.isFinite(durationNs)) {
    throw new FlyerError('INVALID_ARGUMENT', `duration must be a finite non-negative number of ns, got ${durationNs}`);
  }
}
