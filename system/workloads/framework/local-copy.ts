import { open } from 'node:fs/promises';
import { materialize, RealPayload } from '../../env/payload.ts';
import type { FlyerFs } from '../../services/fs/flyer-fs.ts';
import type { ThroughputRecorder } from './throughput-recorder.ts';

/** Real-mode I/O of workloads between local files and Flyer, in pieces with several in flight. */
export interface CopyOptions {
  readonly pieceBytes: number;
  readonly inFlight: number;
  readonly recorder?: ThroughputRecorder;
  readonly onBytes?: (bytes: number) => void;
}

/** Copies a local file into a new Flyer file; returns its size. */
export async function localToFlyer(fs: FlyerFs, localPath: string, flyerPath: string, options: CopyOptions): Promise<number> {
  const local = await open(localPath, 'r');
  try {
    const handle = await fs.open(flyerPath, { write: true, create: true, truncate: true });
    try {
      const sizeBytes = (await local.stat()).size;
      await copyInPieces(sizeBytes, 'write', options, async (offset, length) => {
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await local.read(buffer, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${localPath}: short read at ${offset}`);
        await handle.pwrite(offset, new RealPayload(buffer));
      });
      return sizeBytes;
    } finally {
      await handle.close();
    }
  } finally {
    await local.close();
  }
}

/** Copies a Flyer file into a local file; returns its size. */
export async function flyerToLocal(fs: FlyerFs, flyerPath: string, localPath: string, options: CopyOptions): Promise<number> {
  const handle = await fs.open(flyerPath, { read: true });
  try {
    const local = await open(localPath, 'w');
    try {
      const sizeBytes = handle.lengthBytes;
      await copyInPieces(sizeBytes, 'read', options, async (offset, length) => {
        const data = await handle.pread(offset, length);
        if (data.sizeBytes !== length) throw new Error(`${flyerPath}: read ${data.sizeBytes} of ${length} bytes at ${offset}`);
        await local.write(materialize(data), 0, length, offset);
      });
      return sizeBytes;
    } finally {
      await local.close();
    }
  } finally {
    await handle.close();
  }
}

/**
 * Runs `copyPiece` over the file in pieces, `inFlight` at a time, and counts each copied piece as Flyer
 * I/O in `direction` (writes into Flyer, reads out of it) once it is done.
 */
async function copyInPieces(sizeBytes: number, direction: 'read' | 'write', options: CopyOptions,
  copyPiece: (offset: number, length: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sizeBytes) {
      const offset = next;
      const length = Math.min(options.pieceBytes, sizeBytes - offset);
      next += length;
      await copyPiece(offset, length);
      options.recorder?.add(direction, length);
      options.onBytes?.(length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.inFlight) }, worker));
}
