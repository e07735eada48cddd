import { crc32c } from '../../env/crc32c.ts';
import { loadNativeLibrary } from '../chunk-engine/library.ts';

/**
 * CRC32C for RPC frames. Every frame is checksummed by its sender and its receiver, so for 4 MiB chunk
 * transfers the checksum is a large share of the CPU a byte costs. Buffers from 16 KiB up go through
 * the native chunk engine's three-lane SSE4.2 loop when its library is built (about 25 GB/s on this
 * machine, against about 6 GB/s for @node-rs/crc32); without it, or for small buffers (where the call
 * overhead dominates), system/env/crc32c.ts. Both compute the same function, so either side may use
 * either. `initial` continues a running checksum, as crc32c() does.
 */
const NATIVE_MIN_BYTES = 16 * 1024;

type NativeCrc = (initial: number, data: Uint8Array, length: number) => number;

/** undefined: not tried yet; null: unavailable (not built, or refused to load). */
let nativeCrc: NativeCrc | null | undefined;

function loadNativeCrc(): NativeCrc | null {
  try {
    const library = loadNativeLibrary();
    return (initial, data, length) => library.fce_crc32c(initial, data, length);
  } catch {
    return null;
  }
}

export function frameCrc32c(bytes: Uint8Array, initial = 0): number {
  if (bytes.length >= NATIVE_MIN_BYTES) {
    if (nativeCrc === undefined) nativeCrc = loadNativeCrc();
    if (nativeCrc !== null) return nativeCrc(initial >>> 0, bytes, bytes.length) >>> 0;
  }
  return crc32c(bytes, initial);
}
