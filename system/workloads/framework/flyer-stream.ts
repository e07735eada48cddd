import type { ThroughputRecorder } from './throughput-recorder.ts';

/**
 * Real-mode I/O of workloads between memory and Flyer files, in pieces with several in flight: reads
 * land in the caller's buffer (no gathering copy), writes go out as views of it (no copy either).
 */
export interface PieceOptions {
  readonly pieceBytes: number;
  readonly inFlight: number;
  /** Counts each finished piece as Flyer I/O for the run's throughput series. */
  readonly recorder?: ThroughputRecorder;
  readonly onBytes?: (bytes: number) => void;
}

/**
 * Runs `piece` over [0, sizeBytes) in pieces, `inFlight` at a time, and counts each piece as Flyer I/O
 * in `direction` (writes into Flyer, reads out of it) once it is done.
 */
export async function inPieces(sizeBytes: number, direction: 'read' | 'write', options: PieceOptions,
  piece: (offsetBytes: number, lengthBytes: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sizeBytes) {
      const offset = next;
      const length = Math.min(options.pieceBytes, sizeBytes - offset);
      next += length;
      await piece(offset, length);
      options.recorder?.add(direction, length);
      options.onBytes?.(length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.inFlight) }, worker));
}
