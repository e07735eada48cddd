import { crc32c } from './crc32c.ts';

/**
 * The record framing every write-ahead log here uses (the durable KV, the storage update ledger, the
 * simulated chunk store's WAL): [u32 body length][u32 crc32c(body)][body], little-endian. A reader
 * stops at the first frame that is cut short, too long or fails its checksum: that is a torn tail.
 */
export const FRAME_HEADER_BYTES = 8;

export function frameBody(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, true);
  view.setUint32(4, crc32c(body), true);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** Every intact frame from the start, with the byte offset just past it; stops at a torn tail. */
export function* scanFrames(data: Uint8Array, maxBodyBytes: number): Generator<{ readonly body: Uint8Array; readonly endBytes: number }> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= data.length) {
    const length = view.getUint32(at, true);
    if (length > maxBodyBytes || at + FRAME_HEADER_BYTES + length > data.length) return;
    const body = data.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
    if (crc32c(body) !== view.getUint32(at + 4, true)) return;
    at += FRAME_HEADER_BYTES + length;
    yield { body, endBytes: at };
  }
}
