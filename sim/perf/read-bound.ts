/**
 * The analytic upper bound on the benchmark's read throughput, from the spec and the placement alone.
 *
 * Each read picks a chunk uniformly from the populated set and a replica uniformly from its chain, so
 * every resource carries a fixed share of the read bytes: replica t of chain c serves
 * (chunks on c) / (chunks x replicas) of them, a storage node the sum over its targets, a drive the sum
 * over the targets on it; the clients run the same closed loop, so each takes an equal share. Throughput
 * X then loads resource r with X x share(r), and X <= capacity(r) / share(r) for every r.
 *
 * - Network: sim/net's `analyticBound` over one "round" of transfers (every client reads every replica
 *   of every chunk once), so the ports, the port mapping and the per-segment rounding are the model's
 *   own; bound = bytes of the round / the busiest resource's service time. Only the data is counted:
 *   request, reply and frame bytes (about 150 B per 4 MiB read) count against the measurement.
 * - Drives: a drive's data path moves `readBytesPerSec`; its fixed latency overlaps across channels
 *   (16 channels x 4 MiB / (90 us + 1.5 ms) = 42 GB/s, far above 2.8 GB/s), so bandwidth binds.
 * - CPU: the services charge no CPU time in simulation, so it is not a resource here.
 */
import { analyticBound } from '../net/index.ts';
import type { BenchCluster } from './bench-cluster.ts';
import type { BenchChunk } from './read-workload.ts';

export interface ReadBound {
  /** The bound on read goodput, bytes per second. */
  readonly bytesPerSec: number;
  readonly bindingResource: string;
  readonly network: { readonly bytesPerSec: number; readonly bottleneck: string | null };
  readonly drives: { readonly bytesPerSec: number; readonly bottleneck: string; readonly shareMax: number; readonly shareMin: number };
  /** Sums of capacities, for the notes: what each layer could carry if perfectly balanced. */
  readonly aggregate: {
    readonly storageEgressBytesPerSec: number;
    readonly clientIngressBytesPerSec: number;
    readonly driveReadBytesPerSec: number;
  };
  /** Share of read bytes per storage node (min and max over nodes). */
  readonly storageShare: { readonly min: number; readonly max: number };
}

export function readBound(cluster: BenchCluster, chunks: readonly BenchChunk[]): ReadBound {
  const { spec, plan } = cluster;
  const nodeOfTarget = new Map(plan.targets.map((t) => [t.targetId, t.nodeId]));
  const chunksPerChain = new Map<number, number>();
  for (const chunk of chunks) chunksPerChain.set(chunk.chainId, (chunksPerChain.get(chunk.chainId) ?? 0) + 1);

  // Shares of read bytes per storage node and per drive.
  const nodeShare = new Map<string, number>();
  const driveShare = new Map<string, number>();
  for (const chain of plan.chains) {
    const perReplica = (chunksPerChain.get(chain.chainId) ?? 0) / chunks.length / chain.targetIds.length;
    for (const targetId of chain.targetIds) {
      const nodeId = nodeOfTarget.get(targetId)!;
      const drive = `${nodeId}/ssd${cluster.diskOf(targetId)}`;
      nodeShare.set(nodeId, (nodeShare.get(nodeId) ?? 0) + perReplica);
      driveShare.set(drive, (driveShare.get(drive) ?? 0) + perReplica);
    }
  }

  // Network: one round of transfers, every client reading every replica of every chunk once.
  const transfers: Array<{ fromNode: number; toNode: number; sizeBytes: number }> = [];
  let roundBytes = 0;
  for (const clientId of cluster.clients) {
    const toNode = cluster.nodeIndex(clientId);
    for (const chunk of chunks) {
      const chain = plan.chains.find((c) => c.chainId === chunk.chainId)!;
      for (const targetId of chain.targetIds) {
        transfers.push({ fromNode: cluster.nodeIndex(nodeOfTarget.get(targetId)!), toNode, sizeBytes: spec.chunkSizeBytes });
        roundBytes += spec.chunkSizeBytes;
      }
    }
  }
  const net = analyticBound(cluster.network.config, transfers);
  const networkBytesPerSec = roundBytes / (net.boundNs / 1e9);

  let driveBytesPerSec = Number.POSITIVE_INFINITY;
  let driveBottleneck = '';
  for (const [drive, share] of driveShare) {
    const limit = spec.ssd.readBytesPerSec / share;
    if (limit < driveBytesPerSec) {
      driveBytesPerSec = limit;
      driveBottleneck = drive;
    }
  }
  const shares = [...driveShare.values()];
  const nodeShares = [...nodeShare.values()];
  const bytesPerSec = Math.min(networkBytesPerSec, driveBytesPerSec);
  const portBytes = (p: { ports: number; lineRateBitsPerSec: number; efficiency: number }): number => (p.ports * p.lineRateBitsPerSec * p.efficiency) / 8;
  return {
    bytesPerSec,
    bindingResource: networkBytesPerSec <= driveBytesPerSec ? `network ${net.bottleneckKey ?? 'lone transfer'}` : `drive ${driveBottleneck}`,
    network: { bytesPerSec: networkBytesPerSec, bottleneck: net.bottleneckKey },
    drives: { bytesPerSec: driveBytesPerSec, bottleneck: driveBottleneck, shareMax: Math.max(...shares), shareMin: Math.min(...shares) },
    aggregate: {
      storageEgressBytesPerSec: spec.storageNodes * portBytes(spec.storagePort),
      clientIngressBytesPerSec: spec.clients * portBytes(spec.clientPort),
      driveReadBytesPerSec: spec.storageNodes * spec.ssdsPerNode * spec.ssd.readBytesPerSec,
    },
    storageShare: { min: Math.min(...nodeShares), max: Math.max(...nodeShares) },
  };
}
