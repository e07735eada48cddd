import { crc32c, setLargeCrc32c } from '../../env/crc32c.ts';
import { loadNativeLibrary } from '../chunk-engine/library.ts';

/**
 * CRC32C for RPC frames and, once installed, for every large checksum of a real process (chunk payloads
 * a client writes, too). Every frame is checksummed by its sender and its receiver, so for 4 MiB chunk
 * transfers the checksum is a large share of the CPU a byte costs. Buffers from 16 KiB up go through
 * the native chunk engine's three-lane SSE4.2 loop when its library is built (about 25 GB/s on this
 * machine, against about 6 GB/s for @node-rs/crc32); without it, or for small buffers (where the call
 * overhead dominates), @node-rs/crc32. Both compute the same function, so either side may use either.
 */
let installed = false;

/** Routes large checksums of this process to the native loop, if the library loads (once; idempotent). */
export function installNativeCrc32c(): void {
  if (installed) return;
  installed = true;
  try {
    const library = loadNativeLibrary();
    setLargeCrc32c((bytes, initial) => library.fce_crc32c(initial, bytes, bytes.length));
  } catch {
    // Not built, or refused to load: @node-rs/crc32 for everything.
  }
}

/** `initial` continues a running checksum, as crc32c() does. */
export function frameCrc32c(bytes: Uint8Array, initial = 0): number {
  if (!installed) installNativeCrc32c();
  return crc32c(bytes, initial);
}
