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

/**
 * Piece buffers of writes into Flyer, reused across pieces and files: a fresh buffer per piece kept V8
 * running full collections (memory outside the heap counts towards them). A buffer comes back once its
 * piece's write has returned, i.e. is stored on every replica; an earlier attempt of it still queued on
 * a socket would carry changed bytes, which the receiver's frame checksum rejects.
 */
const spareBuffers = new Map<number, Buffer[]>();
/** Spare bytes kept at most: as many as a GraySort client has in flight (8 MiB pieces x 8 x 4 files). */
const SPARE_BYTES_MAX = 256 << 20;
let spareBytes = 0;

function takePieceBuffer(pieceBytes: number): Buffer {
  const buffer = spareBuffers.get(pieceBytes)?.pop();
  if (buffer === undefined) return Buffer.allocUnsafe(pieceBytes);
  spareBytes -= buffer.length;
  return buffer;
}

function givePieceBuffer(buffer: Buffer): void {
  if (spareBytes + buffer.length > SPARE_BYTES_MAX) return;
  let spare = spareBuffers.get(buffer.length);
  if (!spare) spareBuffers.set(buffer.length, (spare = []));
  spare.push(buffer);
  spareBytes += buffer.length;
}

/** Copies a local file into a new Flyer file; returns its size. */
export async function localToFlyer(fs: FlyerFs, localPath: string, flyerPath: string, options: CopyOptions): Promise<number> {
  const local = await open(localPath, 'r');
  try {
    const handle = await fs.open(flyerPath, { write: true, create: true, truncate: true });
    try {
      const sizeBytes = (await local.stat()).size;
      await copyInPieces(sizeBytes, 'write', options, async (offset, length) => {
        const buffer = takePieceBuffer(options.pieceBytes);
        const piece = buffer.subarray(0, length);
        const { bytesRead } = await local.read(piece, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${localPath}: short read at ${offset}`);
        await handle.pwrite(offset, new RealPayload(piece));
        givePieceBuffer(buffer);
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
