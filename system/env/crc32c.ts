import { crc32c as nodeRsCrc32c } from '@node-rs/crc32';

/**
 * CRC32C (Castagnoli) with the CPU's SSE4.2 instruction through @node-rs/crc32: about 5 GB/s here,
 * against about 1 GB/s for a table-driven JS loop, which matters because every RPC frame carries one.
 * `initial` continues a running checksum over several buffers.
 *
 * Large buffers (chunk payloads) may go to a faster implementation of the same function that a real
 * process installs at start-up (the chunk engine's three-lane loop, ~25 GB/s: see
 * system/real/rpc/frame-crc.ts); simulation never installs one, and both compute identical values.
 */
type Crc32c = (bytes: Uint8Array, initial: number) => number;

/** Below this size the faster implementation's call overhead outweighs its speed. */
const LARGE_BYTES = 16 * 1024;

let large: Crc32c | undefined;

export function crc32c(bytes: Uint8Array, initial = 0): number {
  if (large !== undefined && bytes.length >= LARGE_BYTES) return large(bytes, initial >>> 0) >>> 0;
  return nodeRsCrc32c(bytes, initial) >>> 0;
}

/** Installs (or with undefined removes) the implementation used for large buffers. */
export function setLargeCrc32c(implementation: Crc32c | undefined): void {
  large = implementation;
}
