import { FlyerError } from '../../system/env/errors.ts';
import { linkKey, type ResolvedNetworkConfig } from './config.ts';

/**
 * Which resources a transfer crosses. Shared by the event model and the analytic helpers, so both
 * always agree on ports, capacities and latencies.
 *
 * Port choice on multi-port nodes is static and deterministic: the sender uses egress port
 * `toNode % senderPorts` and the receiver takes the data on ingress port `fromNode % receiverPorts`.
 * So one flow always uses one port pair (like one RDMA queue pair bound to one NIC), and a node's flows
 * spread over its ports by peer index.
 */
export type HopKind = 'egress' | 'link' | 'ingress';

export interface PathHop {
  readonly kind: HopKind;
  /** Names the resource; equal keys are the same resource. */
  readonly key: string;
  readonly capacityBitsPerSec: number;
  /** Added after a segment leaves this resource. */
  readonly latencyNs: number;
  /** Segments this resource may hold, counted from when the previous resource starts serving them. */
  readonly bufferSegments: number;
}

export function egressPortFor(config: ResolvedNetworkConfig, fromNode: number, toNode: number): number {
  return toNode % nodeOf(config, fromNode).ports;
}

export function ingressPortFor(config: ResolvedNetworkConfig, fromNode: number, toNode: number): number {
  return fromNode % nodeOf(config, toNode).ports;
}

export function egressKey(nodeIndex: number, port: number): string {
  return `egress:${nodeIndex}.${port}`;
}

export function ingressKey(nodeIndex: number, port: number): string {
  return `ingress:${nodeIndex}.${port}`;
}

export function linkResourceKey(fromZone: number, toZone: number): string {
  return `link:${linkKey(fromZone, toZone)}`;
}

/** Source egress port, then the zone link if the zones differ, then the destination ingress port. */
export function resolvePath(config: ResolvedNetworkConfig, fromNode: number, toNode: number): PathHop[] {
  const from = nodeOf(config, fromNode);
  const to = nodeOf(config, toNode);
  if (fromNode === toNode) {
    throw new FlyerError('INVALID_ARGUMENT', `node ${fromNode} to itself is loopback and has no network path`);
  }
  const path: PathHop[] = [
    {
      kind: 'egress',
      key: egressKey(fromNode, egressPortFor(config, fromNode, toNode)),
      capacityBitsPerSec: from.portCapacityBitsPerSec,
      latencyNs: config.hopLatencyNs,
      bufferSegments: Number.POSITIVE_INFINITY,
    },
  ];
  if (from.zone !== to.zone) {
    const link = config.links.get(linkKey(from.zone, to.zone));
    if (link === undefined) {
      throw new FlyerError(
        'INVALID_ARGUMENT',
        `no link from zone ${from.zone} to zone ${to.zone} (node ${fromNode} to node ${toNode})`,
      );
    }
    path.push({
      kind: 'link',
      key: linkResourceKey(from.zone, to.zone),
      capacityBitsPerSec: link.capacityBitsPerSec,
      latencyNs: link.latencyNs,
      // Only destination ingress ports have finite buffers; a link queues without bound.
      bufferSegments: Number.POSITIVE_INFINITY,
    });
  }
  path.push({
    kind: 'ingress',
    key: ingressKey(toNode, ingressPortFor(config, fromNode, toNode)),
    capacityBitsPerSec: to.portCapacityBitsPerSec,
    latencyNs: config.hopLatencyNs,
    bufferSegments: config.ingressBufferSegments,
  });
  return path;
}

function nodeOf(config: ResolvedNetworkConfig, nodeIndex: number) {
  const node = Number.isSafeInteger(nodeIndex) ? config.nodes[nodeIndex] : undefined;
  if (node === undefined) {
    throw new FlyerError('SIM_NODE_UNKNOWN', `node index ${nodeIndex} (the network has ${config.nodes.length} nodes)`);
  }
  return node;
}
