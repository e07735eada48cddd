import { assert } from '../../env/assert.ts';

/**
 * Reused I/O buffers of workload clients. A fresh multi-MiB buffer per piece kept V8 running full
 * collections (memory outside the heap counts towards them) and paid a page fault per 4 KiB touched; a
 * reused one costs neither. Buffers are kept per exact size, up to a byte budget; beyond it they are
 * dropped for the collector.
 *
 * A buffer must come back only when nothing uses it any more: for a write into Flyer, once the write
 * returned (stored on every replica). An earlier attempt of it still queued on a socket would carry
 * changed bytes, which the receiver's frame checksum rejects, so even that mistake cannot store them.
 */
export class BufferPool {
  readonly #free = new Map<number, Buffer[]>();
  #freeBytes = 0;

  constructor(readonly freeBytesMax: number) {
    // `2 << 30` is negative in JS: a pool that silently kept nothing was how this assertion came about.
    assert(Number.isSafeInteger(freeBytesMax) && freeBytesMax >= 0, `a buffer pool needs a byte budget >= 0, got ${freeBytesMax}`);
  }

  take(sizeBytes: number): Buffer {
    const buffer = this.#free.get(sizeBytes)?.pop();
    if (buffer === undefined) return Buffer.allocUnsafe(sizeBytes);
    this.#freeBytes -= buffer.length;
    return buffer;
  }

  give(buffer: Buffer): void {
    if (this.#freeBytes + buffer.length > this.freeBytesMax) return;
    let free = this.#free.get(buffer.length);
    if (!free) this.#free.set(buffer.length, (free = []));
    free.push(buffer);
    this.#freeBytes += buffer.length;
  }
}

/**
 * The process's pool for workload I/O: as much as a GraySort client keeps in flight, its sort inputs
 * included (three partitions of a 2 GiB sort on two clients hold about 0.8 GiB).
 */
export const workloadBuffers = new BufferPool(2 * 2 ** 30);
