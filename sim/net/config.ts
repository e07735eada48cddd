import { FlyerError } from '../../system/env/errors.ts';

/** One node's NICs. All ports of a node are alike. */
export interface NodeNetConfig {
  /** Zone (non-blocking switch domain) the node's ports attach to; default 0. */
  readonly zone?: number;
  /** Number of NIC ports; default 1. */
  readonly ports?: number;
  /** Line rate of each port, per direction. */
  readonly lineRateBitsPerSec: number;
  /** Fraction of the line rate that bulk transfers achieve (e.g. 0.96 for HDR InfiniBand, notes §4.3). */
  readonly efficiency: number;
}

/** A full-duplex link between two zones: one resource per direction, each with this capacity. */
export interface ZoneLinkConfig {
  readonly zoneA: number;
  readonly zoneB: number;
  readonly capacityBitsPerSec: number;
  readonly efficiency: number;
  /** Added after a segment leaves the link, in place of the hop latency. */
  readonly latencyNs: number;
}

export interface NetworkConfig {
  /** Node `i` of the simulation is `nodes[i]`. */
  readonly nodes: readonly NodeNetConfig[];
  /** Direct links between zones; traffic between zones without a link is rejected (no multi-hop routing). */
  readonly links?: readonly ZoneLinkConfig[];
  /** Transfers are cut into segments of this size (the last may be shorter); default 256 KiB. */
  readonly segmentBytes?: number;
  /** Added after a segment leaves a port (egress or ingress). */
  readonly hopLatencyNs: number;
  /** Delivery delay for transfers from a node to itself; they bypass the ports. */
  readonly loopbackLatencyNs: number;
  /**
   * Segments each ingress port may hold (queued there, in service, or in flight towards it, counted from
   * the moment the previous resource starts serving the segment); default Infinity (no backpressure).
   */
  readonly ingressBufferSegments?: number;
}

export const DEFAULT_SEGMENT_BYTES = 256 * 1024;

export interface ResolvedNode {
  readonly zone: number;
  readonly ports: number;
  readonly portCapacityBitsPerSec: number;
}

export interface ResolvedLink {
  readonly fromZone: number;
  readonly toZone: number;
  readonly capacityBitsPerSec: number;
  readonly latencyNs: number;
}

/** A validated config with defaults applied and capacities already multiplied by efficiency. */
export interface ResolvedNetworkConfig {
  readonly nodes: readonly ResolvedNode[];
  /** Keyed by {@link linkKey}; one entry per direction. */
  readonly links: ReadonlyMap<string, ResolvedLink>;
  readonly segmentBytes: number;
  readonly hopLatencyNs: number;
  readonly loopbackLatencyNs: number;
  readonly ingressBufferSegments: number;
}

export function linkKey(fromZone: number, toZone: number): string {
  return `${fromZone}>${toZone}`;
}

export function resolveNetworkConfig(config: NetworkConfig): ResolvedNetworkConfig {
  if (config.nodes.length === 0) invalid('nodes must not be empty');
  const nodes = config.nodes.map((node, index) => resolveNode(node, index));
  const links = new Map<string, ResolvedLink>();
  for (const [index, link] of (config.links ?? []).entries()) {
    const where = `links[${index}]`;
    requireInteger(link.zoneA, `${where}.zoneA`, 0);
    requireInteger(link.zoneB, `${where}.zoneB`, 0);
    if (link.zoneA === link.zoneB) invalid(`${where} joins zone ${link.zoneA} to itself`);
    requirePositive(link.capacityBitsPerSec, `${where}.capacityBitsPerSec`);
    requireEfficiency(link.efficiency, `${where}.efficiency`);
    requireInteger(link.latencyNs, `${where}.latencyNs`, 0);
    const capacityBitsPerSec = link.capacityBitsPerSec * link.efficiency;
    for (const [fromZone, toZone] of [
      [link.zoneA, link.zoneB],
      [link.zoneB, link.zoneA],
    ] as const) {
      const key = linkKey(fromZone, toZone);
      if (links.has(key)) invalid(`${where}: zones ${link.zoneA} and ${link.zoneB} are already linked`);
      links.set(key, { fromZone, toZone, capacityBitsPerSec, latencyNs: link.latencyNs });
    }
  }
  const segmentBytes = config.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  requireInteger(segmentBytes, 'segmentBytes', 1);
  requireInteger(config.hopLatencyNs, 'hopLatencyNs', 0);
  requireInteger(config.loopbackLatencyNs, 'loopbackLatencyNs', 0);
  const ingressBufferSegments = config.ingressBufferSegments ?? Number.POSITIVE_INFINITY;
  if (ingressBufferSegments !== Number.POSITIVE_INFINITY) {
    requireInteger(ingressBufferSegments, 'ingressBufferSegments', 1);
  }
  return {
    nodes,
    links,
    segmentBytes,
    hopLatencyNs: config.hopLatencyNs,
    loopbackLatencyNs: config.loopbackLatencyNs,
    ingressBufferSegments,
  };
}

function resolveNode(node: NodeNetConfig, index: number): ResolvedNode {
  const where = `nodes[${index}]`;
  const zone = node.zone ?? 0;
  const ports = node.ports ?? 1;
  requireInteger(zone, `${where}.zone`, 0);
  requireInteger(ports, `${where}.ports`, 1);
  requirePositive(node.lineRateBitsPerSec, `${where}.lineRateBitsPerSec`);
  requireEfficiency(node.efficiency, `${where}.efficiency`);
  return { zone, ports, portCapacityBitsPerSec: node.lineRateBitsPerSec * node.efficiency };
}

function requireInteger(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) invalid(`${name} must be an integer >= ${min}, got ${value}`);
}

function requirePositive(value: number, name: string): void {
  if (!Number.isFinite(value) || value <= 0) invalid(`${name} must be a finite number > 0, got ${value}`);
}

function requireEfficiency(value: number, name: string): void {
  if (!Number.isFinite(value) || value <= 0 || value > 1) invalid(`${name} must be in (0, 1], got ${value}`);
}

function invalid(detail: string): never {
  throw new FlyerError('INVALID_ARGUMENT', detail);
}
