import type { Env, NodeId } from '../system/env/types.ts';
import { MetricsRegistry } from '../system/env/metrics.ts';
import type { CpuModel } from './cpu/cpu-model.ts';
import type { PageFile } from './disk/page-file.ts';
import type { SsdModel } from './disk/ssd-model.ts';
import type { Kernel } from './kernel/kernel.ts';

/** What a node runs when it starts, and again on every restart (with a fresh Env, same disk). */
export type BootFunction = (env: Env) => void | Promise<void>;

export interface DiskFaults {
  /** Probability that one disk operation fails with FLYER_ERR_DISK_IO_ERROR. */
  ioErrorProbability: number;
  /** Errors injected so far: a node that saw any gets its disk "replaced" (a restart) when faults stop. */
  injectedErrors: number;
}

/**
 * A simulated machine: what survives crashes (its disk's synced state, its hardware models, its
 * metrics) and the identity of its current incarnation. The Env of an incarnation is rebuilt on each
 * restart, so no service state leaks across a crash.
 */
export class SimNode {
  incarnation = 0;
  up = false;
  clockOffsetNs = 0;
  readonly files = new Map<string, PageFile>();
  readonly diskFaults: DiskFaults = { ioErrorProbability: 0, injectedErrors: 0 };
  readonly metrics: MetricsRegistry;
  /** The Env of the current incarnation (undefined while down). */
  env: Env | undefined;

  constructor(
    readonly id: NodeId,
    readonly index: number,
    readonly kernel: Kernel,
    readonly ssd: SsdModel,
    readonly cpu: CpuModel,
    readonly boot: BootFunction,
  ) {
    this.metrics = new MetricsRegistry(() => kernel.nowNs);
  }

  /** Schedules `callback` as a wake of this node's incarnation `incarnation`, at the current instant. */
  wakeNow(incarnation: number, callback: () => void): void {
    this.kernel.scheduleWake(this.kernel.nowNs, this.index, incarnation, callback);
  }

  isCurrent(incarnation: number): boolean {
    return this.up && this.incarnation === incarnation;
  }
}
