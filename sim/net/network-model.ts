import { FlyerError } from '../../system/env/errors.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { resolveNetworkConfig, type NetworkConfig, type ResolvedNetworkConfig } from './config.ts';
import { Flow, type DeliveryCounters } from './flow.ts';
import { NetResource, type ResourceStats } from './resource.ts';
import { egressKey, ingressKey, linkResourceKey, resolvePath } from './topology.ts';

export interface NetworkModelOptions {
  readonly kernel: Kernel;
  readonly config: NetworkConfig;
}

export interface SendRequest {
  readonly fromNode: number;
  readonly toNode: number;
  readonly sizeBytes: number;
  /** Called from a model event when the last segment has left the destination ingress plus its latency. */
  readonly onDelivered: () => void;
}

export interface PortStats {
  readonly egress: ResourceStats;
  readonly ingress: ResourceStats;
}

export interface NetworkCounters {
  readonly transfersSent: number;
  readonly transfersDelivered: number;
  readonly bytesSent: number;
  readonly bytesDelivered: number;
  readonly loopbackTransfers: number;
  readonly loopbackBytes: number;
  /** Segments served, summed over every resource: the model's unit of work. */
  readonly segmentHops: number;
}

/**
 * The network performance model (simulation notes §3.3, §4.4): NIC ports with an egress and an ingress
 * resource each, zones behind non-blocking switches, explicit links between zones. Transfers move as
 * segments through source egress -> (zone link) -> destination ingress, store-and-forward per segment and
 * pipelined across segments; each resource shares itself round-robin among flows. No global solver.
 */
export class NetworkModel {
  readonly #kernel: Kernel;
  readonly #config: ResolvedNetworkConfig;
  /** Every resource by key, created up front in node, port, link order. */
  readonly #resources = new Map<string, NetResource>();
  /** Flows by `fromNode * nodeCount + toNode`, created on first use. */
  readonly #flows = new Map<number, Flow>();
  readonly #counters: DeliveryCounters = { transfersDelivered: 0, bytesDelivered: 0 };
  #transfersSent = 0;
  #bytesSent = 0;
  #loopbackTransfers = 0;
  #loopbackBytes = 0;

  constructor(options: NetworkModelOptions) {
    this.#kernel = options.kernel;
    const config = resolveNetworkConfig(options.config);
    this.#config = config;
    for (const [nodeIndex, node] of config.nodes.entries()) {
      for (let port = 0; port < node.ports; port++) {
        this.#addResource(egressKey(nodeIndex, port), 'egress', node.portCapacityBitsPerSec, Number.POSITIVE_INFINITY);
        this.#addResource(ingressKey(nodeIndex, port), 'ingress', node.portCapacityBitsPerSec, config.ingressBufferSegments);
      }
    }
    for (const link of config.links.values()) {
      const key = linkResourceKey(link.fromZone, link.toZone);
      this.#resources.set(
        key,
        new NetResource({
          kernel: this.#kernel,
          kind: 'link',
          key,
          capacityBitsPerSec: link.capacityBitsPerSec,
          latencyNs: link.latencyNs,
          bufferSegments: Number.POSITIVE_INFINITY,
        }),
      );
    }
  }

  get config(): ResolvedNetworkConfig {
    return this.#config;
  }

  get nodeCount(): number {
    return this.#config.nodes.length;
  }

  /** Starts moving `sizeBytes` from one node to another; delivery is reported through `onDelivered`. */
  send(request: SendRequest): void {
    const { fromNode, toNode, sizeBytes, onDelivered } = request;
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
      throw new FlyerError('INVALID_ARGUMENT', `sizeBytes must be a non-negative integer, got ${sizeBytes}`);
    }
    if (typeof onDelivered !== 'function') throw new FlyerError('INVALID_ARGUMENT', 'onDelivered must be a function');
    const flow = this.#flow(fromNode, toNode);
    this.#transfersSent++;
    this.#bytesSent += sizeBytes;
    if (flow === null) {
      // Loopback never touches a port; constant delay keeps a node's transfers to itself in FIFO order.
      this.#loopbackTransfers++;
      this.#loopbackBytes += sizeBytes;
      this.#kernel.scheduleModel(this.#kernel.nowNs + this.#config.loopbackLatencyNs, () => {
        this.#counters.transfersDelivered++;
        this.#counters.bytesDelivered += sizeBytes;
        onDelivered();
      });
      return;
    }
    flow.append(sizeBytes, onDelivered);
    const first = flow.hops[0]!;
    first.resource.enqueue(first);
  }

  portStats(nodeIndex: number, port = 0): PortStats {
    return {
      egress: this.#resource(egressKey(nodeIndex, port)).stats(),
      ingress: this.#resource(ingressKey(nodeIndex, port)).stats(),
    };
  }

  linkStats(fromZone: number, toZone: number): ResourceStats {
    return this.#resource(linkResourceKey(fromZone, toZone)).stats();
  }

  /** Stats of every resource, in creation order. */
  allStats(): ResourceStats[] {
    return [...this.#resources.values()].map((resource) => resource.stats());
  }

  counters(): NetworkCounters {
    let segmentHops = 0;
    for (const resource of this.#resources.values()) segmentHops += resource.stats().segments;
    return {
      transfersSent: this.#transfersSent,
      transfersDelivered: this.#counters.transfersDelivered,
      bytesSent: this.#bytesSent,
      bytesDelivered: this.#counters.bytesDelivered,
      loopbackTransfers: this.#loopbackTransfers,
      loopbackBytes: this.#loopbackBytes,
      segmentHops,
    };
  }

  /** The flow for a node pair (created on first use), or null for loopback. */
  #flow(fromNode: number, toNode: number): Flow | null {
    const nodeCount = this.#config.nodes.length;
    for (const node of [fromNode, toNode]) {
      if (!Number.isSafeInteger(node) || node < 0 || node >= nodeCount) {
        throw new FlyerError('SIM_NODE_UNKNOWN', `node index ${node} (the network has ${nodeCount} nodes)`);
      }
    }
    if (fromNode === toNode) return null;
    const id = fromNode * nodeCount + toNode;
    let flow = this.#flows.get(id);
    if (flow === undefined) {
      const path = resolvePath(this.#config, fromNode, toNode);
      flow = new Flow({ fromNode, toNode, segmentBytes: this.#config.segmentBytes, counters: this.#counters });
      for (const hop of path) flow.addHop(this.#resource(hop.key));
      this.#flows.set(id, flow);
    }
    return flow;
  }

  #addResource(key: string, kind: 'egress' | 'ingress', capacityBitsPerSec: number, bufferSegments: number): void {
    const latencyNs = this.#config.hopLatencyNs;
    this.#resources.set(key, new NetResource({ kernel: this.#kernel, kind, key, capacityBitsPerSec, latencyNs, bufferSegments }));
  }

  #resource(key: string): NetResource {
    const resource = this.#resources.get(key);
    if (resource === undefined) throw new FlyerError('INVALID_ARGUMENT', `no network resource ${key}`);
    return resource;
  }
}
