/**
 * Destination buffers for reads. Small reads are carved out of 1 MiB slabs on 4 KiB boundaries: a
 * fresh Buffer.allocUnsafe(4096) costs about 1.4 us here (4096 bytes is just past Node's own pool),
 * a subarray about 0.1 us, and 4 KiB alignment lets the engine read O_DIRECT straight into the result
 * instead of copying. Large reads get their own aligned buffer. A slab is freed by the GC once no
 * result carved from it is referenced any more.
 */
import koffi from 'koffi';

const BLOCK_BYTES = 4096;
const SLAB_BYTES = 1 << 20;
/** Reads up to this size come from slabs. */
const SLAB_MAX_READ_BYTES = 64 * 1024;

/** A Buffer of `length` bytes whose first byte sits on a 4 KiB boundary. */
export function alignedBuffer(length: number): Buffer {
  const raw = Buffer.allocUnsafeSlow(length + BLOCK_BYTES);
  const misalignment = Number((koffi.address(raw) as bigint) % BigInt(BLOCK_BYTES));
  const pad = misalignment === 0 ? 0 : BLOCK_BYTES - misalignment;
  return raw.subarray(pad, pad + length);
}

let slab: Buffer = alignedBuffer(SLAB_BYTES);
let slabUsed = 0;

/** Room for a read of `length` bytes, 4 KiB aligned. Contents are undefined until the read fills it. */
export function readBuffer(length: number): Buffer {
  if (length > SLAB_MAX_READ_BYTES) return alignedBuffer(length);
  const rounded = Math.ceil(length / BLOCK_BYTES) * BLOCK_BYTES || BLOCK_BYTES;
  if (slabUsed + rounded > SLAB_BYTES) {
    slab = alignedBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += rounded;
  return out;
}
