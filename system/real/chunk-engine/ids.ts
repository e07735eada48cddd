/** Chunk-id and integer argument checks done in TypeScript before crossing into the engine. */
import { FlyerError } from '../../env/errors.ts';
import { ID_BYTES } from './layout.ts';

/** The id itself (koffi passes any Uint8Array by pointer, honouring byteOffset), or CHUNK_INVALID_ID. */
export function idArg(chunkId: unknown, name = 'chunk id'): Uint8Array {
  if (!(chunkId instanceof Uint8Array) || chunkId.length !== ID_BYTES) {
    const got = chunkId instanceof Uint8Array ? `${chunkId.length} bytes` : typeof chunkId;
    throw new FlyerError('CHUNK_INVALID_ID', `${name} must be ${ID_BYTES} bytes, got ${got}`);
  }
  return chunkId;
}

export function countArg(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new FlyerError('INVALID_ARGUMENT', `${name} must be an integer in [0, ${max}], got ${value}`);
  }
  return value;
}

export const U32_MAX = 0xffffffff;

/**
 * The id just after `id` in byte order, or undefined after ff..ff (used to page through ranges): the
 * storage service's own successor, so the engine pages exactly as the service does. real may import
 * a pure helper of services (the reverse is what the house rule forbids).
 */
export { nextChunkId as nextId } from '../../services/common/chunk-key.ts';
