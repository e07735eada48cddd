/**
 * The cluster and workload of the storage read benchmark (issue #4, `npm run bench -- storage`): what
 * the simulated cluster is made of and how the clients load it. Everything the analytic bound
 * (read-bound.ts) needs is here, so bound and measurement always describe the same thing.
 */
import { DEFAULT_SSD, type SsdOptions } from '../disk/ssd-model.ts';

export const MiB = 1024 * 1024;
export const MS = 1_000_000;
export const S = 1_000_000_000;

export interface PortSpec {
  readonly ports: number;
  readonly lineRateBitsPerSec: number;
  /** Fraction of line rate bulk transfers reach (notes §4.3: ~0.96 for HDR InfiniBand). */
  readonly efficiency: number;
}

export interface StorageBenchSpec {
  readonly seed: number;
  readonly managers: number;
  readonly storageNodes: number;
  readonly clients: number;
  readonly storagePort: PortSpec;
  readonly clientPort: PortSpec;
  /** Managers and the admin node: control traffic only. */
  readonly controlPort: PortSpec;
  /** SSDs per storage node, each its own SsdModel (per-ssd-store.ts). */
  readonly ssdsPerNode: number;
  readonly ssd: SsdOptions;
  /** Targets on each SSD: the chain-table generator's r (chains each SSD takes part in). */
  readonly targetsPerSsd: number;
  readonly replication: number;
  readonly chunkSizeBytes: number;
  /** Chunks written before reading, spread round-robin over the chain table (so evenly over chains). */
  readonly chunksPerChain: number;
  /** Concurrent writes per client while populating. */
  readonly populateDepth: number;
  /** Outstanding batch reads per client (closed loop: a read is issued as soon as one completes). */
  readonly queueDepth: number;
  /** Reads after the start of reading that are not measured (pipelines fill, queues settle). */
  readonly warmupNs: number;
  /** The measured window: bytes of reads completed in it, over its length. */
  readonly windowNs: number;
  readonly segmentBytes: number;
  readonly hopLatencyNs: number;
  readonly loopbackLatencyNs: number;
  /** Request-to-send (off by default, as in 3FS's shipped config). */
  readonly requestToSend: boolean;
}

/**
 * 16 storage nodes with one 200 Gb/s port (x 0.96) and 16 SSDs of DEFAULT_SSD (2.8 GB/s read) each,
 * 32 clients with one 200 Gb/s port, chains of 3. Per storage node the NIC gives 24 GB/s and the SSDs
 * 44.8 GB/s, and the clients can take 2x what the storage nodes can send: storage egress binds.
 */
export const DEFAULT_STORAGE_BENCH_SPEC: StorageBenchSpec = {
  seed: 1,
  managers: 1,
  storageNodes: 16,
  clients: 32,
  storagePort: { ports: 1, lineRateBitsPerSec: 200e9, efficiency: 0.96 },
  clientPort: { ports: 1, lineRateBitsPerSec: 200e9, efficiency: 0.96 },
  controlPort: { ports: 1, lineRateBitsPerSec: 100e9, efficiency: 0.96 },
  ssdsPerNode: 16,
  ssd: DEFAULT_SSD,
  targetsPerSsd: 3,
  replication: 3,
  chunkSizeBytes: 4 * MiB,
  chunksPerChain: 4,
  populateDepth: 8,
  queueDepth: 32,
  warmupNs: 200 * MS,
  windowNs: 1 * S,
  segmentBytes: 256 * 1024,
  hopLatencyNs: 1_000,
  loopbackLatencyNs: 500,
  requestToSend: false,
};

/** Bytes per second one port moves in one direction. */
export function portBytesPerSec(port: PortSpec): number {
  return (port.lineRateBitsPerSec * port.efficiency) / 8;
}
