import { strict as assert } from 'node:assert';
import { RealPayload } from '../../env/payload.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import type { FileHandle } from '../../services/fs/flyer-fs.ts';
import type { BufferPool } from '../framework/buffer-pool.ts';

/**
 * One partition's piece file as the in-memory partitioner fills it: runs of records are gathered in a
 * staging buffer, and each full buffer is written at the file's next offset. Staging buffers are a
 * whole number of chunks, so every write but the last covers whole chunks (no read-modify-write of a
 * partial chunk), and the writes of all partitions overlap, bounded by one shared limit.
 */
export class PieceAppender {
  #staging: Buffer;
  #filledBytes = 0;
  #nextOffsetBytes = 0;
  readonly #writes = new Set<Promise<void>>();
  #failure: unknown;

  constructor(
    private readonly handle: FileHandle,
    private readonly stagingBytes: number,
    private readonly writeSlots: Semaphore,
    private readonly pool: BufferPool,
    private readonly onWritten: (bytes: number) => void,
  ) {
    this.#staging = pool.take(stagingBytes);
  }

  /** Bytes handed to this piece so far. */
  get appendedBytes(): number {
    return this.#nextOffsetBytes + this.#filledBytes;
  }

  /** Copies `run` into the piece; waits only when a full staging buffer finds every write slot busy. */
  async append(run: Uint8Array): Promise<void> {
    for (let at = 0; at < run.length; ) {
      this.#throwIfFailed();
      const count = Math.min(this.stagingBytes - this.#filledBytes, run.length - at);
      this.#staging.set(run.subarray(at, at + count), this.#filledBytes);
      this.#filledBytes += count;
      at += count;
      if (this.#filledBytes === this.stagingBytes) await this.#flush();
    }
  }

  /**
   * Lets `produce` write straight into the staging buffer's free space (at least one byte, at most
   * `maxBytes`) instead of into a buffer of its own that append() would copy; `produce` resolves with
   * how many bytes it wrote there, in order, from the start of the space it was given.
   */
  async fill(maxBytes: number, produce: (space: Uint8Array) => Promise<number>): Promise<number> {
    this.#throwIfFailed();
    assert(maxBytes > 0, 'fill needs room for at least one byte');
    const space = this.#staging.subarray(this.#filledBytes, this.#filledBytes + Math.min(maxBytes, this.stagingBytes - this.#filledBytes));
    const producedBytes = await produce(space);
    assert(Number.isInteger(producedBytes) && producedBytes >= 0 && producedBytes <= space.length, `fill: produced ${producedBytes} of ${space.length} bytes`);
    this.#filledBytes += producedBytes;
    if (this.#filledBytes === this.stagingBytes) await this.#flush();
    return producedBytes;
  }

  /** Free bytes in the staging buffer: what the next fill() may produce (never 0). */
  get spaceBytes(): number {
    return this.stagingBytes - this.#filledBytes;
  }

  /** Writes what is staged, waits for every write, closes the file; resolves with its length. */
  async finish(): Promise<number> {
    this.#throwIfFailed();
    await this.#flush();
    await Promise.all(this.#writes);
    this.#throwIfFailed();
    this.pool.give(this.#staging);
    await this.handle.close();
    return this.#nextOffsetBytes;
  }

  async #flush(): Promise<void> {
    if (this.#filledBytes === 0) return;
    const buffer = this.#staging;
    const lengthBytes = this.#filledBytes;
    const offsetBytes = this.#nextOffsetBytes;
    this.#nextOffsetBytes += lengthBytes;
    this.#staging = this.pool.take(this.stagingBytes);
    this.#filledBytes = 0;
    await this.writeSlots.acquire();
    const write = this.handle.pwrite(offsetBytes, new RealPayload(buffer.subarray(0, lengthBytes)))
      .then(() => {
        this.pool.give(buffer);
        this.onWritten(lengthBytes);
      }, (error: unknown) => {
        this.#failure ??= error;
      })
      .finally(() => {
        this.writeSlots.release();
        this.#writes.delete(write);
      });
    this.#writes.add(write);
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
