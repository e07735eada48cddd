import { FlyerError } from '../../env/errors.ts';
import type { ChunkId } from '../../env/chunk-store.ts';

/**
 * Chunk ids as 3FS lays them out: 16 bytes, big-endian, so the chunks of one file sort together:
 * inode id (8 bytes), track (2 bytes, 0 here), chunk index (6 bytes). Messages and maps use the
 * 32-digit hex form; the chunk store takes the bytes.
 */
export const CHUNK_ID_BYTES = 16;

export function chunkIdOf(inodeId: number, chunkIndex: number): ChunkId {
  if (!Number.isSafeInteger(inodeId) || inodeId < 0 || !Number.isSafeInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= 2 ** 48) {
    throw new FlyerError('INVALID_ARGUMENT', `bad chunk id parts: inode ${inodeId}, index ${chunkIndex}`);
  }
  const id = new Uint8Array(CHUNK_ID_BYTES);
  const view = new DataView(id.buffer);
  view.setBigUint64(0, BigInt(inodeId));
  view.setUint16(8, 0);
  view.setUint16(10, Math.floor(chunkIndex / 2 ** 32));
  view.setUint32(12, chunkIndex >>> 0);
  return id;
}

export function chunkIdHex(id: ChunkId): string {
  if (!(id instanceof Uint8Array) || id.length !== CHUNK_ID_BYTES) {
    throw new FlyerError('INVALID_ARGUMENT', `a chunk id is ${CHUNK_ID_BYTES} bytes`);
  }
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

export function chunkIdFromHex(hex: string): ChunkId {
  if (typeof hex !== 'string' || !/^[0-9a-f]{32}$/.test(hex)) throw new FlyerError('INVALID_ARGUMENT', `bad chunk id '${String(hex)}'`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Byte-wise comparison: the order chunk stores list in. */
export function compareChunkIds(a: ChunkId, b: ChunkId): number {
  for (let i = 0; i < CHUNK_ID_BYTES; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Where a chunk id points: the file's inode, the track (always 0 here) and the chunk's index in the file. */
export interface ChunkIdParts {
  readonly inodeId: number;
  readonly track: number;
  readonly chunkIndex: number;
}

/** The inverse of chunkIdOf, for a 32-digit hex id (meta turns the last chunk's index into a file length). */
export function chunkIdParts(hex: string): ChunkIdParts {
  const id = chunkIdFromHex(hex);
  const view = new DataView(id.buffer, id.byteOffset, id.byteLength);
  const inode = view.getBigUint64(0);
  if (inode > BigInt(Number.MAX_SAFE_INTEGER)) throw new FlyerError('INVALID_ARGUMENT', `inode of chunk ${hex} exceeds 2^53`);
  return { inodeId: Number(inode), track: view.getUint16(8), chunkIndex: view.getUint16(10) * 2 ** 32 + view.getUint32(12) };
}

/** The id just after `id` in byte order (paging through a range), or undefined after ff..ff. */
export function nextChunkId(id: ChunkId): ChunkId | undefined {
  chunkIdHex(id);
  const next = Uint8Array.from(id);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] !== 0xff) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return undefined;
}

/**
 * The ids of a file's chunks from `fromChunkIndex` on, as a half-open hex range: up to track 1 of the
 * same inode, as 3FS bounds its "last chunk of file" queries.
 *
 * @example
 * const { begin, end } = fileChunkRange(inodeId); // every chunk of the file
 * const later = fileChunkRange(inodeId, keptChunks); // the chunks a truncate removes
 */
export function fileChunkRange(inodeId: number, fromChunkIndex = 0): { readonly begin: string; readonly end: string } {
  const end = chunkIdOf(inodeId, 0);
  new DataView(end.buffer).setUint16(8, 1);
  return { begin: chunkIdHex(chunkIdOf(inodeId, fromChunkIndex)), end: chunkIdHex(end) };
}
