import { open } from 'node:fs/promises';
import { materialize, RealPayload } from '../../env/payload.ts';
import type { FlyerFs } from '../../services/fs/flyer-fs.ts';
import { workloadBuffers } from './buffer-pool.ts';
import { inPieces, type PieceOptions } from './flyer-stream.ts';

/** Real-mode I/O of workloads between local files and Flyer, in pieces with several in flight. */
export type CopyOptions = PieceOptions;

/** Copies a local file into a new Flyer file; returns its size. */
export async function localToFlyer(fs: FlyerFs, localPath: string, flyerPath: string, options: CopyOptions): Promise<number> {
  const local = await open(localPath, 'r');
  try {
    const handle = await fs.open(flyerPath, { write: true, create: true, truncate: true });
    try {
      const sizeBytes = (await local.stat()).size;
      await inPieces(sizeBytes, 'write', options, async (offset, length) => {
        const buffer = workloadBuffers.take(options.pieceBytes);
        const piece = buffer.subarray(0, length);
        const { bytesRead } = await local.read(piece, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${localPath}: short read at ${offset}`);
        await handle.pwrite(offset, new RealPayload(piece));
        workloadBuffers.give(buffer);
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
      await inPieces(sizeBytes, 'read', options, async (offset, length) => {
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
