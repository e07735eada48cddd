/**
 * Input checks of the simulated chunk store, with the native engine's codes, so a caller that passes
 * garbage gets the same coded error in both modes (and the store's state is never touched by it).
 */
import type { ChunkUpdateRequest } from '../../system/env/chunk-store.ts';
import { FlyerError } from '../../system/env/errors.ts';
import { isPayload } from '../../system/env/payload.ts';

export const CHUNK_ID_BYTES = 16;
/** The largest size class of the Rust engine (64 MiB). */
export const CHUNK_SIZE_BYTES_MAX = 64 * 2 ** 20;
/** Versions are u32 in the engine's metadata. */
const VERSION_MAX = 0xffff_ffff;

export function idToHex(chunkId: unknown): string {
  if (!(chunkId instanceof Uint8Array) || chunkId.length !== CHUNK_ID_BYTES) {
    throw new FlyerError('CHUNK_INVALID_ID', `got ${chunkId instanceof Uint8Array ? `${chunkId.length} bytes` : typeof chunkId}`);
  }
  return Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.byteLength).toString('hex');
}

export function hexToId(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function checkCount(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new FlyerError('INVALID_ARGUMENT', `${name} must be an integer in [0, ${max}], got ${String(value)}`);
  }
  return value;
}

export function checkUpdateRequest(request: ChunkUpdateRequest): void {
  idToHex(request.chunkId);
  checkCount(request.updateVersion, 'updateVersion', VERSION_MAX);
  checkCount(request.chainVersion, 'chainVersion', VERSION_MAX);
  const chunkSizeBytes = checkCount(request.chunkSizeBytes, 'chunkSizeBytes');
  if (chunkSizeBytes === 0) throw new FlyerError('INVALID_ARGUMENT', 'chunk size must be positive');
  if (chunkSizeBytes > CHUNK_SIZE_BYTES_MAX) throw new FlyerError('CHUNK_TOO_LARGE', `chunk size ${chunkSizeBytes} > ${CHUNK_SIZE_BYTES_MAX}`);
  const update = request.update as { kind?: unknown } | undefined;
  switch (update?.kind) {
    case 'write': {
      const write = request.update as Extract<ChunkUpdateRequest['update'], { kind: 'write' }>;
      const offsetBytes = checkCount(write.offsetBytes, 'offsetBytes');
      if (!isPayload(write.payload)) throw new FlyerError('INVALID_ARGUMENT', 'a write needs a payload');
      if (write.checksum !== undefined && (typeof write.checksum !== 'number' || write.checksum >>> 0 !== write.checksum)) {
        throw new FlyerError('INVALID_ARGUMENT', `checksum must be a u32, got ${String(write.checksum)}`);
      }
      const endBytes = offsetBytes + write.payload.sizeBytes;
      if (endBytes > chunkSizeBytes) throw new FlyerError('CHUNK_TOO_LARGE', `write [${offsetBytes}, ${endBytes}) exceeds the chunk size ${chunkSizeBytes}`);
      return;
    }
    case 'replace': {
      const replace = request.update as Extract<ChunkUpdateRequest['update'], { kind: 'replace' }>;
      if (!isPayload(replace.payload)) throw new FlyerError('INVALID_ARGUMENT', 'a replace needs a payload');
      if (replace.payload.sizeBytes > chunkSizeBytes) {
        throw new FlyerError('CHUNK_TOO_LARGE', `replace of ${replace.payload.sizeBytes} bytes exceeds the chunk size ${chunkSizeBytes}`);
      }
      return;
    }
    case 'truncate': {
      const truncate = request.update as Extract<ChunkUpdateRequest['update'], { kind: 'truncate' }>;
      const lengthBytes = checkCount(truncate.lengthBytes, 'lengthBytes');
      if (lengthBytes > chunkSizeBytes) throw new FlyerError('CHUNK_TOO_LARGE', `truncate to ${lengthBytes} bytes exceeds the chunk size ${chunkSizeBytes}`);
      return;
    }
    case 'remove':
      return;
    default:
      throw new FlyerError('INVALID_ARGUMENT', `unknown update kind ${JSON.stringify(update?.kind)}`);
  }
}
