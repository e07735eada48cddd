import { strict as assert } from 'node:assert';
import { RECORD_BYTES } from './graysort-params.ts';

/**
 * Cuts consecutive blocks of a run of records, which need not begin or end on a record boundary, into
 * the whole records each holds; the record straddling each block boundary is assembled aside, and all
 * of those come back together from finish().
 */
export class Straddlers {
  readonly #records: Buffer;
  #recordsBytes = 0;
  /** The start of a record the previous block ended inside. */
  readonly #carry = Buffer.allocUnsafe(RECORD_BYTES);
  #carryBytes = 0;
  #seenBytes = 0;

  constructor(blocksMax: number) {
    this.#records = Buffer.allocUnsafe(Math.max(0, blocksMax - 1) * RECORD_BYTES);
  }

  /** The whole records inside `block`, the next block of the run (a view of it). */
  wholeRecordsOf(block: Uint8Array): Uint8Array {
    let head = 0;
    if (this.#carryBytes > 0) {
      head = Math.min(RECORD_BYTES - this.#carryBytes, block.length);
      this.#carry.set(block.subarray(0, head), this.#carryBytes);
      this.#carryBytes += head;
      if (this.#carryBytes === RECORD_BYTES) {
        assert(this.#recordsBytes + RECORD_BYTES <= this.#records.length, 'more straddling records than block boundaries');
        this.#carry.copy(this.#records, this.#recordsBytes);
        this.#recordsBytes += RECORD_BYTES;
        this.#carryBytes = 0;
      }
    }
    const wholeEnd = head + Math.floor((block.length - head) / RECORD_BYTES) * RECORD_BYTES;
    if (this.#carryBytes === 0 && wholeEnd < block.length) {
      this.#carry.set(block.subarray(wholeEnd), 0);
      this.#carryBytes = block.length - wholeEnd;
    }
    this.#seenBytes += block.length;
    return block.subarray(head, wholeEnd);
  }

  /** The straddling records, once every block of the run (`totalBytes` long) has been seen. */
  finish(totalBytes: number): Uint8Array {
    assert(this.#seenBytes === totalBytes, `saw ${this.#seenBytes} of ${totalBytes} bytes`);
    assert(this.#carryBytes === 0, `the run ends inside a record (${this.#carryBytes} bytes over)`);
    return this.#records.subarray(0, this.#recordsBytes);
  }
}
