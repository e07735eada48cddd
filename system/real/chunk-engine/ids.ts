/** Chunk-id and integer argument checks done in TypeScript before crossing into the engine. */
import { FlyerError } from '../../env/errors.ts';
import { ID_BYTES } from './layout.ts';

/** The id as a Buffer view (no copy), or CHUNK_INVALID_ID. */
export function idArg(chunkId: unknown, name = 'chunk id'): Buffer {
  if (!(chunkId instanceof Uint8Array) || chunkId.length !== ID_BYTES) {
    const got = chunkId instanceof Uint8Array ? `${chunkId.length} bytes` : typeof chunkId;
    throw new FlyerError('CHUNK_INVALID_ID', `${name} must be ${ID_BYTES} bytes, got ${got}`);
  }
  return Buffer.isBuffer(chunkId) ? chunkId : Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.length);
}

export function countArg(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new FlyerError('INVALID_ARGUMENT', `${name} must be an integer in [0, ${max}], got ${value}`);
  }
  return value;
}

export const U32_MAX = 0xffffffff;

/** The id just after `id` in byte order, or undefined after ff..ff (used to page through ranges). */
export function nextId(id: Uint8Array): Uint8Array | undefined {
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
