import { assertNonNegativeInteger } from '../env/assert.ts';
import { FlyerError } from '../env/errors.ts';
import { concatPayloads, payloadSlice, zeroPayload, type Payload } from '../env/payload.ts';
import type { BulkRegion, BulkRegionRef, NodeId } from '../env/types.ts';

interface Piece {
  readonly offsetBytes: number;
  readonly payload: Payload;
}

/**
 * A registered region: payload pieces at offsets, sorted and non-overlapping. A write cuts whatever it
 * overlaps and takes its place, so synthetic payloads stay synthetic and nothing is materialized until
 * someone reads real bytes. Bytes never written read as zeros.
 */
export class LocalRegion implements BulkRegion {
  readonly ref: BulkRegionRef;
  readonly #pieces: Piece[] = [];
  readonly #onRelease: () => void;
  #released = false;

  constructor(options: { ref: BulkRegionRef; onRelease: () => void }) {
    this.ref = options.ref;
    this.#onRelease = options.onRelease;
  }

  get released(): boolean {
    return this.#released;
  }

  read(offsetBytes: number, lengthBytes: number): Payload {
    const pieces = this.pieces(offsetBytes, lengthBytes);
    return pieces.length === 0 ? zeroPayload(0) : concatPayloads(pieces);
  }

  /** The payloads covering [offset, offset + length) in order, gaps as zeros; nothing is copied. */
  pieces(offsetBytes: number, lengthBytes: number): Payload[] {
    this.#checkRange(offsetBytes, lengthBytes);
    const out: Payload[] = [];
    const endBytes = offsetBytes + lengthBytes;
    let at = offsetBytes;
    for (let i = this.#firstEndingAfter(offsetBytes); i < this.#pieces.length && at < endBytes; i++) {
      const piece = this.#pieces[i]!;
      if (piece.offsetBytes >= endBytes) break;
      if (piece.offsetBytes > at) {
        out.push(zeroPayload(piece.offsetBytes - at));
        at = piece.offsetBytes;
      }
      const pieceEnd = Math.min(piece.offsetBytes + piece.payload.sizeBytes, endBytes);
      out.push(payloadSlice(piece.payload, at - piece.offsetBytes, pieceEnd - at));
      at = pieceEnd;
    }
    if (at < endBytes) out.push(zeroPayload(endBytes - at));
    return out;
  }

  write(offsetBytes: number, payload: Payload): void {
    this.#checkRange(offsetBytes, payload.sizeBytes);
    if (payload.sizeBytes === 0) return;
    const endBytes = offsetBytes + payload.sizeBytes;
    const first = this.#firstEndingAfter(offsetBytes);
    let last = first;
    const replacement: Piece[] = [];
    while (last < this.#pieces.length && this.#pieces[last]!.offsetBytes < endBytes) last++;
    if (first < last) {
      const head = this.#pieces[first]!;
      if (head.offsetBytes < offsetBytes) {
        replacement.push({ offsetBytes: head.offsetBytes, payload: payloadSlice(head.payload, 0, offsetBytes - head.offsetBytes) });
      }
    }
    replacement.push({ offsetBytes, payload });
    if (first < last) {
      const tail = this.#pieces[last - 1]!;
      const tailEnd = tail.offsetBytes + tail.payload.sizeBytes;
      if (tailEnd > endBytes) {
        replacement.push({ offsetBytes: endBytes, payload: payloadSlice(tail.payload, endBytes - tail.offsetBytes, tailEnd - endBytes) });
      }
    }
    this.#pieces.splice(first, last - first, ...replacement);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#pieces.length = 0;
    this.#onRelease();
  }

  /** Index of the first piece that ends after `offsetBytes` (binary search). */
  #firstEndingAfter(offsetBytes: number): number {
    let low = 0;
    let high = this.#pieces.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const piece = this.#pieces[mid]!;
      if (piece.offsetBytes + piece.payload.sizeBytes <= offsetBytes) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #checkRange(offsetBytes: number, lengthBytes: number): void {
    if (this.#released) {
      throw new FlyerError('RPC_UNKNOWN_REGION', `region ${this.ref.regionId} of ${this.ref.nodeId} was released`);
    }
    if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0 ||
        offsetBytes + lengthBytes > this.ref.sizeBytes) {
      throw new FlyerError('RPC_REGION_BOUNDS',
        `[${offsetBytes}, +${lengthBytes}) outside region ${this.ref.regionId} of ${this.ref.sizeBytes} bytes on ${this.ref.nodeId}`);
    }
  }
}

/** This node's registered regions, by id. */
export class RegionTable {
  readonly #nodeId: NodeId;
  readonly #regions = new Map<number, LocalRegion>();
  #nextRegionId = 1;

  constructor(nodeId: NodeId) {
    this.#nodeId = nodeId;
  }

  get size(): number {
    return this.#regions.size;
  }

  register(sizeBytes: number): LocalRegion {
    assertNonNegativeInteger(sizeBytes, 'region sizeBytes');
    const regionId = this.#nextRegionId++;
    const region = new LocalRegion({
      ref: Object.freeze({ nodeId: this.#nodeId, regionId, sizeBytes }),
      onRelease: () => this.#regions.delete(regionId),
    });
    this.#regions.set(regionId, region);
    return region;
  }

  /** The live region with this id; RPC_UNKNOWN_REGION if there is none. */
  get(regionId: number): LocalRegion {
    const region = this.#regions.get(regionId);
    if (!region) throw new FlyerError('RPC_UNKNOWN_REGION', `region ${regionId} on ${this.#nodeId}`);
    return region;
  }

  releaseAll(): void {
    for (const region of [...this.#regions.values()]) region.release();
  }
}
