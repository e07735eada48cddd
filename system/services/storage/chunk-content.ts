/**
 * A chunk's content as one Payload, and what each kind of update makes of it. Pure functions shared by
 * the simulated chunk store (which keeps every version this way) and the storage service (which builds
 * the full-chunk replace a SYNCING successor gets), so both sides arrive at the very same payload and
 * therefore the same checksum.
 *
 * Normal form: the content is a single payload of exactly the chunk's length (EMPTY_CONTENT when the
 * chunk is empty). Pieces of one synthetic
 * stream (same content seed, contiguous offsets) and zeros stay synthetic; any other mix is
 * materialized into real bytes by concatPayloads. Because the form depends only on the update history
 * and a full-chunk replace ships the sender's form as is, replicas that agree on content also agree
 * on representation, and so on checksums. Workloads keep a chunk's synthetic content one stream (seed
 * plus file offset) so nothing is materialized.
 */
import { crc32c } from '../../env/crc32c.ts';
import type { ChunkUpdate } from '../../env/chunk-store.ts';
import { concatPayloads, payloadSlice, RealPayload, ZERO_CONTENT_SEED, zeroPayload, type Payload } from '../../env/payload.ts';

/** The empty content of a chunk that has no committed version yet. */
export const EMPTY_CONTENT: Payload = zeroPayload(0);

/** The content after `update`, or undefined when the update removes the chunk. */
export function applyChunkUpdate(base: Payload | undefined, update: ChunkUpdate): Payload | undefined {
  const current = base ?? EMPTY_CONTENT;
  const lengthBytes = current.sizeBytes;
  switch (update.kind) {
    case 'write': {
      const offsetBytes = update.offsetBytes;
      const endBytes = offsetBytes + update.payload.sizeBytes;
      const parts: Payload[] = [payloadSlice(current, 0, Math.min(offsetBytes, lengthBytes))];
      // A write past the end leaves a hole that reads as zeros (3FS zero-fills it).
      if (offsetBytes > lengthBytes) parts.push(zeroPayload(offsetBytes - lengthBytes));
      parts.push(update.payload);
      if (endBytes < lengthBytes) parts.push(payloadSlice(current, endBytes, lengthBytes - endBytes));
      return joinParts(parts);
    }
    case 'replace':
      return update.payload.sizeBytes === 0 ? EMPTY_CONTENT : update.payload;
    case 'truncate':
      if (update.lengthBytes === 0) return EMPTY_CONTENT;
      if (update.lengthBytes <= lengthBytes) return payloadSlice(current, 0, update.lengthBytes);
      return joinParts([current, zeroPayload(update.lengthBytes - lengthBytes)]);
    case 'remove':
      return undefined;
  }
}

/** Joins parts in order, dropping empty ones (an empty slice of another stream must not break a merge). */
function joinParts(parts: readonly Payload[]): Payload {
  const nonEmpty = parts.filter((part) => part.sizeBytes > 0);
  if (nonEmpty.length === 0) return EMPTY_CONTENT;
  return concatPayloads(nonEmpty);
}

/**
 * The checksum Flyer's storage layer attaches to a payload or chunk: CRC32C of real bytes, and for a
 * synthetic payload a 32-bit digest of its content identity (seed, offset, length), computed without
 * producing the bytes. In simulation a chunk's `crc32c` is therefore a digest whenever its content is
 * synthetic; equal digests mean equal content, as equal CRCs do.
 */
export function payloadChecksum(payload: Payload): number {
  // Every empty payload is the same content, whatever identity it came with: CRC32C of nothing is 0.
  if (payload.sizeBytes === 0) return 0;
  if (payload instanceof RealPayload) return crc32c(payload.bytes);
  const offsetBytes = payload.contentSeed === ZERO_CONTENT_SEED ? 0 : payload.offsetBytes;
  return syntheticChecksum(payload.contentSeed, offsetBytes, payload.sizeBytes);
}

function syntheticChecksum(contentSeed: number, offsetBytes: number, sizeBytes: number): number {
  let h = 0x3c6ef372;
  for (const value of [contentSeed, offsetBytes, sizeBytes]) {
    h = mix32(h, value >>> 0);
    h = mix32(h, Math.floor(value / 4294967296) >>> 0);
  }
  return h >>> 0;
}

function mix32(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  let x = h ^ k;
  x = Math.imul((x << 13) | (x >>> 19), 5) + 0xe6546b64;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  return x >>> 0;
}
