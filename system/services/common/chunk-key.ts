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
