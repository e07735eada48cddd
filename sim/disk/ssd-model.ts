import { assert } from '../../system/env/assert.ts';
import { FlyerError } from '../../system/env/errors.ts';
import type { Kernel } from '../kernel/kernel.ts';

/**
 * An NVMe device in two stages. An operation first takes one of `channels` internal servers (device
 * parallelism) for its fixed latency, then moves its bytes through the device's shared data path at
 * full bandwidth (FIFO), still holding its channel. So one large sequential I/O gets the whole
 * bandwidth, while small random I/Os are bound by channels / latency: the two regimes fio shows.
 * Separate read and write curves; `slowFactor` > 1 models a degraded disk. Waiting is FIFO.
 */
export interface SsdOptions {
  readonly channels: number;
  readonly readLatencyNs: number;
  readonly writeLatencyNs: number;
  readonly readBytesPerSec: number;
  readonly writeBytesPerSec: number;
}

/** A datacenter NVMe drive in the class 3FS used (about 2.8 GB/s read per drive, simulation notes §3.2). */
export const DEFAULT_SSD: SsdOptions = {
  channels: 16,
  readLatencyNs: 90_000,
  writeLatencyNs: 20_000,
  readBytesPerSec: 2.8e9,
  writeBytesPerSec: 1.6e9,
};

export type SsdOperation = 'read' | 'write';

interface QueuedOp {
  readonly operation: SsdOperation;
  readonly sizeBytes: number;
  readonly onDone: () => void;
}

export class SsdModel {
  slowFactor = 1;
  #busyChannels = 0;
  readonly #queue: QueuedOp[] = [];
  #queueHead = 0;
  #bytesRead = 0;
  #bytesWritten = 0;
  #dataPathFreeAtNs = 0;

  constructor(private readonly kernel: Kernel, readonly options: SsdOptions = DEFAULT_SSD) {
    if (!(options.channels >= 1) || !(options.readBytesPerSec > 0) || !(options.writeBytesPerSec > 0)) {
      throw new FlyerError('INVALID_ARGUMENT', `bad SSD options ${JSON.stringify(options)}`);
    }
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }
  get bytesWritten(): number {
    return this.#bytesWritten;
  }
  get queuedOps(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Time one operation takes on an idle device, in whole nanoseconds. */
  serviceTimeNs(operation: SsdOperation, sizeBytes: number): number {
    return this.#latencyNs(operation) + this.#transferNs(operation, sizeBytes);
  }

  /** Queues an operation; `onDone` runs as a model event when the device completes it. */
  submit(operation: SsdOperation, sizeBytes: number, onDone: () => void): void {
    assert(sizeBytes >= 0, `negative I/O size ${sizeBytes}`);
    this.#queue.push({ operation, sizeBytes, onDone });
    this.#startQueued();
  }

  #latencyNs(operation: SsdOperation): number {
    const base = operation === 'read' ? this.options.readLatencyNs : this.options.writeLatencyNs;
    return Math.ceil(base * this.slowFactor);
  }

  #transferNs(operation: SsdOperation, sizeBytes: number): number {
    const bytesPerSec = operation === 'read' ? this.options.readBytesPerSec : this.options.writeBytesPerSec;
    return Math.ceil((sizeBytes * 1e9 * this.slowFactor) / bytesPerSec);
  }

  #startQueued(): void {
    while (this.#busyChannels < this.options.channels && this.#queueHead < this.#queue.length) {
      const op = this.#queue[this.#queueHead++]!;
      this.#busyChannels++;
      this.kernel.scheduleModel(this.kernel.nowNs + this.#latencyNs(op.operation), () => this.#transfer(op));
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /** The shared data path: transfers serialize behind each other at full bandwidth. */
  #transfer(op: QueuedOp): void {
    const startNs = Math.max(this.kernel.nowNs, this.#dataPathFreeAtNs);
    this.#dataPathFreeAtNs = startNs + this.#transferNs(op.operation, op.sizeBytes);
    this.kernel.scheduleModel(this.#dataPathFreeAtNs, () => {
      this.#busyChannels--;
      assert(this.#busyChannels >= 0, 'SSD channel count went negative');
      if (op.operation === 'read') this.#bytesRead += op.sizeBytes;
      else this.#bytesWritten += op.sizeBytes;
      op.onDone();
      this.#startQueued();
    });
  }
}
