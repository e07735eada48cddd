import { assert } from '../../system/env/assert.ts';
import type { Kernel } from '../kernel/kernel.ts';

/**
 * A node's CPU as `cores` servers: each charge (RPC handling, checksums, a sort stage) holds one core
 * for its duration; when all cores are busy, charges wait in FIFO order. Calibrate durations by
 * measuring our own real code on this machine (ARCHITECTURE §5).
 */
export class CpuModel {
  #busyCores = 0;
  readonly #waiting: Array<{ durationNs: number; onDone: () => void }> = [];
  #waitingHead = 0;
  #busyNsTotal = 0;

  constructor(private readonly kernel: Kernel, readonly cores: number) {
    assert(Number.isInteger(cores) && cores >= 1, `a node needs at least one core, got ${cores}`);
  }

  /** Total core-nanoseconds charged so far (utilisation = busyNs / (cores * elapsed)). */
  get busyNsTotal(): number {
    return this.#busyNsTotal;
  }

  charge(durationNs: number, onDone: () => void): void {
    assert(durationNs >= 0 && Number.isFinite(durationNs), `bad CPU charge ${durationNs}`);
    this.#waiting.push({ durationNs: Math.ceil(durationNs), onDone });
    this.#start();
  }

  #start(): void {
    while (this.#busyCores < this.cores && this.#waitingHead < this.#waiting.length) {
      const job = this.#waiting[this.#waitingHead++]!;
      this.#busyCores++;
      this.#busyNsTotal += job.durationNs;
      this.kernel.scheduleModel(this.kernel.nowNs + job.durationNs, () => {
        this.#busyCores--;
        job.onDone();
        this.#start();
      });
    }
    if (this.#waitingHead > 1024 && this.#waitingHead * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#waitingHead);
      this.#waitingHead = 0;
    }
  }
}
