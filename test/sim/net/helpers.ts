import { Kernel } from '../../../sim/kernel/kernel.ts';
import { NetworkModel, type NetworkConfig, type NodeNetConfig } from '../../../sim/net/index.ts';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
export const KiB = 1024;

/** 200 Gb/s HDR-like ports at 96% efficiency: 192 Gb/s per port and direction. */
export const HDR_PORT: NodeNetConfig = { lineRateBitsPerSec: 200e9, efficiency: 0.96 };

export function nodes(count: number, node: NodeNetConfig = HDR_PORT): NodeNetConfig[] {
  return Array.from({ length: count }, () => node);
}

export interface Delivery {
  readonly id: number;
  readonly fromNode: number;
  readonly toNode: number;
  readonly sizeBytes: number;
  readonly sentNs: number;
  readonly deliveredNs: number;
}

/** A kernel, a network on it, and a log of every delivery. */
export class Harness {
  readonly kernel = new Kernel({ tripwires: false });
  readonly net: NetworkModel;
  readonly deliveries: Delivery[] = [];
  #nextId = 0;

  constructor(config: NetworkConfig) {
    this.net = new NetworkModel({ kernel: this.kernel, config });
  }

  /** Sends now and records the delivery; returns the transfer's id (its index in send order). */
  send(fromNode: number, toNode: number, sizeBytes: number, then?: () => void): number {
    const id = this.#nextId++;
    const sentNs = this.kernel.nowNs;
    this.net.send({
      fromNode,
      toNode,
      sizeBytes,
      onDelivered: () => {
        this.deliveries.push({ id, fromNode, toNode, sizeBytes, sentNs, deliveredNs: this.kernel.nowNs });
        then?.();
      },
    });
    return id;
  }

  async run(): Promise<void> {
    await this.kernel.run();
  }

  delivery(id: number): Delivery {
    const found = this.deliveries.find((delivery) => delivery.id === id);
    if (found === undefined) throw new Error(`transfer ${id} was not delivered`);
    return found;
  }
}

/** Bits per second from bytes over nanoseconds. */
export function rateBitsPerSec(bytes: number, durationNs: number): number {
  return (bytes * 8e9) / durationNs;
}

export function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected;
}
