import { resolveNetworkConfig, type NetworkConfig, type ResolvedNetworkConfig } from './config.ts';
import { resolvePath, type PathHop } from './topology.ts';
import { serviceTimeNs } from './timing.ts';

/**
 * Ideal times to hold the event model against, computed without running it.
 *
 * - {@link loneTransferNs}: the exact delivery time of one transfer on an otherwise idle network.
 * - {@link analyticBound}: a lower bound on when a batch of transfers, all sent at time 0, can all be
 *   delivered: the busiest resource's total service time (the fluid max-min bound, with the model's
 *   per-segment rounding) or the slowest lone transfer, whichever is larger. Good schedules come close
 *   to it; the event model can only be slower.
 */
export interface TransferSpec {
  readonly fromNode: number;
  readonly toNode: number;
  readonly sizeBytes: number;
}

export interface AnalyticBound {
  readonly boundNs: number;
  /** Key of the resource with the most service time (e.g. `ingress:0.0`), or null when a lone transfer bounds it. */
  readonly bottleneckKey: string | null;
  /** Total service time each resource needs, in first-use order. */
  readonly busyNsByResource: ReadonlyMap<string, number>;
}

type ConfigLike = NetworkConfig | ResolvedNetworkConfig;

/**
 * Exact time from `send` to `onDelivered` when nothing else moves: segment k starts at hop h when it has
 * arrived there and segment k-1 has left, then takes its service time, then the hop's latency.
 */
export function loneTransferNs(config: ConfigLike, transfer: TransferSpec): number {
  const resolved = resolve(config);
  if (transfer.fromNode === transfer.toNode) return resolved.loopbackLatencyNs;
  const path = resolvePath(resolved, transfer.fromNode, transfer.toNode);
  const leftNs = new Array<number>(path.length).fill(0);
  let deliveredNs = 0;
  forEachSegment(transfer.sizeBytes, resolved.segmentBytes, (bytes) => {
    let arrivedNs = 0;
    for (const [h, hop] of path.entries()) {
      const startNs = Math.max(arrivedNs, leftNs[h]!);
      leftNs[h] = startNs + serviceTimeNs(bytes, hop.capacityBitsPerSec);
      arrivedNs = leftNs[h]! + hop.latencyNs;
    }
    deliveredNs = arrivedNs;
  });
  return deliveredNs;
}

export function analyticBound(config: ConfigLike, transfers: readonly TransferSpec[]): AnalyticBound {
  const resolved = resolve(config);
  const busyNsByResource = new Map<string, number>();
  let boundNs = 0;
  let bottleneckKey: string | null = null;
  for (const transfer of transfers) {
    const loneNs = loneTransferNs(resolved, transfer);
    if (loneNs > boundNs) {
      boundNs = loneNs;
      bottleneckKey = null;
    }
    if (transfer.fromNode === transfer.toNode) continue;
    const path: PathHop[] = resolvePath(resolved, transfer.fromNode, transfer.toNode);
    for (const hop of path) {
      const count = Math.max(1, Math.ceil(transfer.sizeBytes / resolved.segmentBytes));
      const lastBytes = transfer.sizeBytes - (count - 1) * resolved.segmentBytes;
      const busyNs =
        (count - 1) * serviceTimeNs(resolved.segmentBytes, hop.capacityBitsPerSec) +
        serviceTimeNs(lastBytes, hop.capacityBitsPerSec);
      busyNsByResource.set(hop.key, (busyNsByResource.get(hop.key) ?? 0) + busyNs);
    }
  }
  for (const [key, busyNs] of busyNsByResource) {
    if (busyNs > boundNs) {
      boundNs = busyNs;
      bottleneckKey = key;
    }
  }
  return { boundNs, bottleneckKey, busyNsByResource };
}

/** Segment sizes of a transfer, as the model cuts it (an empty transfer is one empty segment). */
function forEachSegment(sizeBytes: number, segmentBytes: number, visit: (bytes: number) => void): void {
  const count = Math.max(1, Math.ceil(sizeBytes / segmentBytes));
  for (let k = 0; k < count - 1; k++) visit(segmentBytes);
  visit(sizeBytes - (count - 1) * segmentBytes);
}

function resolve(config: ConfigLike): ResolvedNetworkConfig {
  return config.links instanceof Map ? (config as ResolvedNetworkConfig) : resolveNetworkConfig(config as NetworkConfig);
}
