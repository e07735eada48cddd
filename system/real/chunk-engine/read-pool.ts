/**
 * Reused destination buffers for large reads (3FS's storage service reads into pooled, registered
 * buffers too). A fresh 4 MiB buffer per chunk read made the storage processes spend about a third of
 * their CPU in the garbage collector (V8 runs a full mark-compact every ~16 such buffers, as external
 * memory grows) plus a page fault per 4 KiB touched; a reused one costs neither.
 *
 * A read borrows a buffer of the next power-of-two capacity and gets a `release` that gives it back.
 * Nothing else ever returns a buffer, so a borrower that never releases only costs a collection, never
 * a buffer shared by two readers. Free buffers are bounded in total; beyond the bound they are dropped.
 */
import { assert } from '../../env/assert.ts';
import { alignedBuffer } from './read-buffers.ts';

/** Reads of at least this size are pooled (smaller ones come from read-buffers.ts's slabs). */
export const POOLED_READ_MIN_BYTES = 64 * 1024 + 1;
/** Free capacity kept per process: 16 chunks of 4 MiB, above the storage service's read concurrency. */
const FREE_BYTES_MAX = 512 * 1024 * 1024;

export interface PooledBuffer {
  /** Exactly the length asked for, 4 KiB aligned. */
  readonly bytes: Buffer;
  /** Gives the buffer back; later calls do nothing. */
  readonly release: () => void;
}

export class ReadBufferPool {
  readonly #free = new Map<number, Buffer[]>();
  readonly #freeBytesMax: number;
  #freeBytes = 0;

  constructor(freeBytesMax = FREE_BYTES_MAX) {
    this.#freeBytesMax = freeBytesMax;
  }

  /** Free bytes held (tests, stats). */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  take(lengthBytes: number): PooledBuffer {
    assert(Number.isSafeInteger(lengthBytes) && lengthBytes > 0, `pooled read of ${lengthBytes} bytes`);
    const capacity = 2 ** Math.ceil(Math.log2(lengthBytes));
    const whole = this.#free.get(capacity)?.pop();
    if (whole) this.#freeBytes -= capacity;
    const buffer = whole ?? alignedBuffer(capacity);
    let released = false;
    return {
      bytes: buffer.subarray(0, lengthBytes),
      release: () => {
        if (released) return;
        released = true;
        this.#give(capacity, buffer);
      },
    };
  }

  #give(capacity: number, buffer: Buffer): void {
    if (this.#freeBytes + capacity > this.#freeBytesMax) return;
    let list = this.#free.get(capacity);
    if (!list) {
      list = [];
      this.#free.set(capacity, list);
    }
    list.push(buffer);
    this.#freeBytes += capacity;
  }
}

/** The process-wide pool every NativeChunkStore reads into. */
export const readBufferPool = new ReadBufferPool();
