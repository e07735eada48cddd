import { assert } from './assert.ts';
import { FlyerError } from './errors.ts';
import { concatPayloads, payloadSlice, zeroPayload, type Payload } from './payload.ts';

/**
 * The contents of a bulk-transfer region: non-overlapping payload pieces sorted by offset. A write
 * replaces whatever it overlaps; bytes never written read as zeros. Synthetic payloads stay synthetic,
 * so a simulated region of gigabytes costs a few objects.
 */
export class RegionBuffer {
  #pieces: Array<{ offsetBytes: number; payload: Payload }> = [];

  constructor(readonly sizeBytes: number) {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, `bad region size ${sizeBytes}`);
  }

  checkBounds(offsetBytes: number, lengthBytes: number): void {
    if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0 ||
      offsetBytes + lengthBytes > this.sizeBytes) {
      throw new FlyerError('RPC_REGION_BOUNDS', `[${offsetBytes}, +${lengthBytes}) outside a region of ${this.sizeBytes} bytes`);
    }
  }

  write(offsetBytes: number, payload: Payload): void {
    this.checkBounds(offsetBytes, payload.sizeBytes);
    if (payload.sizeBytes === 0) return;
    const end = offsetBytes + payload.sizeBytes;
    const kept: Array<{ offsetBytes: number; payload: Payload }> = [];
    for (const piece of this.#pieces) {
      const pieceEnd = piece.offsetBytes + piece.payload.sizeBytes;
      if (pieceEnd <= offsetBytes || piece.offsetBytes >= end) {
        kept.push(piece);
        continue;
      }
      if (piece.offsetBytes < offsetBytes) {
        kept.push({ offsetBytes: piece.offsetBytes, payload: payloadSlice(piece.payload, 0, offsetBytes - piece.offsetBytes) });
      }
      if (pieceEnd > end) {
        kept.push({ offsetBytes: end, payload: payloadSlice(piece.payload, end - piece.offsetBytes, pieceEnd - end) });
      }
    }
    kept.push({ offsetBytes, payload });
    kept.sort((a, b) => a.offsetBytes - b.offsetBytes);
    this.#pieces = kept;
  }

  read(offsetBytes: number, lengthBytes: number): Payload {
    this.checkBounds(offsetBytes, lengthBytes);
    const end = offsetBytes + lengthBytes;
    const parts: Payload[] = [];
    let at = offsetBytes;
    for (const piece of this.#pieces) {
      const pieceEnd = piece.offsetBytes + piece.payload.sizeBytes;
      if (pieceEnd <= at || piece.offsetBytes >= end) continue;
      if (piece.offsetBytes > at) {
        parts.push(zeroPayload(piece.offsetBytes - at));
        at = piece.offsetBytes;
      }
      const takeEnd = Math.min(end, pieceEnd);
      parts.push(payloadSlice(piece.payload, at - piece.offsetBytes, takeEnd - at));
      at = takeEnd;
    }
    if (at < end) parts.push(zeroPayload(end - at));
    return parts.length === 0 ? zeroPayload(0) : concatPayloads(parts);
  }
}
