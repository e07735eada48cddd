import { assert, assertNonNegativeInteger } from './assert.ts';
import { crc32c } from './crc32c.ts';

/**
 * Data moved through RPC and storage. Either real bytes, or synthetic: a length plus a content identity
 * (a content seed and the offset into that seed's endless byte stream) from which the bytes can be
 * produced on demand. Synthetic payloads let a 100 TiB simulation move data without allocating it.
 * Content seed 0 is reserved for zeros (holes, zero-fill on extend).
 */
export type Payload = RealPayload | SyntheticPayload;

export class RealPayload {
  readonly kind = 'real' as const;
  /**
   * `knownCrc32c`: the CRC32C of `bytes` when whoever made the payload already has it (the chunk engine
   * verifies a chunk against its stored checksum as it reads it; the RPC transport checksums a received
   * payload as it lands), so the storage service, the frame encoder and the chunk engine need no pass of
   * their own over the bytes. The maker vouches for it; it does not survive a slice, and a wrong value
   * makes the receiving end's frame check fail. A chunk store takes it as verified when it equals a
   * write's checksum, so only code that computed it over these very bytes may set it.
   */
  constructor(readonly bytes: Uint8Array, readonly knownCrc32c?: number) {}
  get sizeBytes(): number {
    return this.bytes.length;
  }
}

export class SyntheticPayload {
  readonly kind = 'synthetic' as const;
  constructor(
    readonly contentSeed: number,
    readonly offsetBytes: number,
    readonly sizeBytes: number,
  ) {
    assertNonNegativeInteger(contentSeed, 'contentSeed');
    assertNonNegativeInteger(offsetBytes, 'offsetBytes');
    assertNonNegativeInteger(sizeBytes, 'sizeBytes');
  }
}

export const ZERO_CONTENT_SEED = 0;

export function realPayload(bytes: Uint8Array | string): RealPayload {
  return new RealPayload(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
}

export function syntheticPayload(options: { contentSeed: number; offsetBytes?: number; sizeBytes: number }): SyntheticPayload {
  return new SyntheticPayload(options.contentSeed, options.offsetBytes ?? 0, options.sizeBytes);
}

export function zeroPayload(sizeBytes: number): SyntheticPayload {
  return new SyntheticPayload(ZERO_CONTENT_SEED, 0, sizeBytes);
}

export function isPayload(value: unknown): value is Payload {
  return value instanceof RealPayload || value instanceof SyntheticPayload;
}

/** Word k of a content seed's byte stream: a 32-bit mix of (seed, k), so any offset is O(1) to reach. */
function syntheticWord(contentSeed: number, wordIndex: number): number {
  if (contentSeed === ZERO_CONTENT_SEED) return 0;
  let h = Math.imul(contentSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((wordIndex / 4294967296) >>> 0, 0xc2b2ae35);
  h ^= wordIndex >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Produces the bytes of any payload. Allocates: use only for real-data runs and checks. */
export function materialize(payload: Payload): Uint8Array {
  if (payload instanceof RealPayload) return payload.bytes;
  const out = new Uint8Array(payload.sizeBytes);
  if (payload.contentSeed === ZERO_CONTENT_SEED) return out;
  for (let i = 0; i < payload.sizeBytes; ) {
    const position = payload.offsetBytes + i;
    const word = syntheticWord(payload.contentSeed, Math.floor(position / 4));
    let byteInWord = position % 4;
    while (byteInWord < 4 && i < payload.sizeBytes) {
      out[i++] = (word >>> (byteInWord * 8)) & 0xff;
      byteInWord++;
    }
  }
  return out;
}

export function payloadSlice(payload: Payload, offsetBytes: number, lengthBytes: number): Payload {
  assert(offsetBytes >= 0 && lengthBytes >= 0 && offsetBytes + lengthBytes <= payload.sizeBytes,
    `slice [${offsetBytes}, +${lengthBytes}) outside payload of ${payload.sizeBytes} bytes`);
  if (payload instanceof RealPayload) return new RealPayload(payload.bytes.subarray(offsetBytes, offsetBytes + lengthBytes));
  const offset = payload.contentSeed === ZERO_CONTENT_SEED ? 0 : payload.offsetBytes + offsetBytes;
  return new SyntheticPayload(payload.contentSeed, offset, lengthBytes);
}

/** Joins payloads; contiguous pieces of one synthetic stream stay synthetic, anything else is materialized. */
export function concatPayloads(parts: readonly Payload[]): Payload {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0];
  if (first instanceof SyntheticPayload) {
    let end = first.offsetBytes + first.sizeBytes;
    let contiguous = true;
    for (let i = 1; i < parts.length && contiguous; i++) {
      const part = parts[i]!;
      const zeros = first.contentSeed === ZERO_CONTENT_SEED;
      contiguous = part instanceof SyntheticPayload && part.contentSeed === first.contentSeed &&
        (zeros || part.offsetBytes === end);
      if (contiguous) end += zeros ? 0 : part.sizeBytes;
    }
    if (contiguous) {
      const total = parts.reduce((sum, part) => sum + part.sizeBytes, 0);
      return new SyntheticPayload(first.contentSeed, first.offsetBytes, total);
    }
  }
  const total = parts.reduce((sum, part) => sum + part.sizeBytes, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(materialize(part), at);
    at += part.sizeBytes;
  }
  return new RealPayload(out);
}

/**
 * A content digest for checkers and trace fingerprints. Real bytes: CRC32C mixed with the length.
 * Synthetic: a hash of the content identity, computed without producing the bytes. Two payloads with
 * equal digests of the same kind hold the same content (up to hash collisions).
 */
export function payloadDigest(payload: Payload): number {
  if (payload instanceof RealPayload) {
    return (crc32c(payload.bytes) * 2097152 + (payload.bytes.length % 2097152)) % Number.MAX_SAFE_INTEGER;
  }
  const offset = payload.contentSeed === ZERO_CONTENT_SEED ? 0 : payload.offsetBytes;
  const a = syntheticWord(payload.contentSeed + 1, offset) ^ syntheticWord(payload.sizeBytes + 7, payload.contentSeed);
  return (a * 2097152 + (payload.sizeBytes % 2097152)) % Number.MAX_SAFE_INTEGER;
}

/** The CRC32C of a payload's bytes (materializes synthetic payloads: for real-data paths). */
export function payloadCrc32c(payload: Payload): number {
  return crc32c(materialize(payload));
}

export function payloadEquals(a: Payload, b: Payload): boolean {
  if (a.sizeBytes !== b.sizeBytes) return false;
  if (a instanceof SyntheticPayload && b instanceof SyntheticPayload) {
    if (a.contentSeed === ZERO_CONTENT_SEED || b.contentSeed === ZERO_CONTENT_SEED) {
      if (a.contentSeed === b.contentSeed) return true;
    } else if (a.contentSeed === b.contentSeed && a.offsetBytes === b.offsetBytes) {
      return true;
    }
  }
  return Buffer.compare(materialize(a), materialize(b)) === 0;
}
