import { assert } from '../../env/assert.ts';

/**
 * Moving a file in pieces with several in flight. A piece is one chunk of the Flyer side (chunk-aligned
 * pieces make each one exactly one chunk read or write on one chain, and consecutive chunks sit on
 * different chains, so pieces in flight spread over the stripe). Memory is bounded by
 * inFlight x pieceBytes.
 */
export interface CopySource {
  readonly lengthBytes: number;
  /** The piece size this side prefers (a Flyer file's chunk size), or 0 for none. */
  readonly pieceBytes: number;
  /** True when read() can fill a buffer the caller lends it (`into`). */
  readonly readsInto?: boolean;
  /**
   * The bytes of [offsetBytes, +lengthBytes). With `into` (at least lengthBytes long) a source that
   * readsInto reads into it and returns a view of it: copyPieces lends each worker one buffer.
   */
  read(offsetBytes: number, lengthBytes: number, into?: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface CopySink {
  readonly pieceBytes: number;
  write(offsetBytes: number, bytes: Uint8Array): Promise<void>;
  /** Ends the copy: for Flyer, close reports the length to meta (it is durable after this). */
  close(): Promise<void>;
}

/** Bytes in flight per copy when no --parallel is given: 16 MiB, as 4..64 pieces. */
const BYTES_IN_FLIGHT_DEFAULT = 16 << 20;
const IN_FLIGHT_MIN = 4;
const IN_FLIGHT_MAX = 64;

export function defaultInFlight(pieceBytes: number): number {
  return Math.max(IN_FLIGHT_MIN, Math.min(IN_FLIGHT_MAX, Math.floor(BYTES_IN_FLIGHT_DEFAULT / pieceBytes)));
}

/** The pieces of [0, lengthBytes): offsets and lengths. */
function pieceCount(lengthBytes: number, pieceBytes: number): number {
  return Math.ceil(lengthBytes / pieceBytes);
}

/**
 * Copies every piece, `inFlight` at a time, each written at its own offset as soon as it is read
 * (positional sinks need no order). The first failure stops new pieces and is rethrown once the ones
 * in flight settle.
 */
export async function copyPieces(source: CopySource, sink: CopySink, options: { readonly pieceBytes: number; readonly inFlight: number }): Promise<void> {
  assert(options.pieceBytes > 0 && options.inFlight > 0, 'pieces and in-flight count must be positive');
  const count = pieceCount(source.lengthBytes, options.pieceBytes);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    // One buffer per worker, reused once its piece is written: a fresh one per piece kept the garbage
    // collector busy (V8 runs full collections as memory outside the heap grows). A write that
    // returned has been stored; a timed-out earlier attempt still queued on a socket would carry changed
    // bytes, which the receiver's frame checksum rejects.
    const buffer = source.readsInto === true ? new Uint8Array(Math.min(options.pieceBytes, source.lengthBytes)) : undefined;
    while (failure === undefined && next < count) {
      const offsetBytes = next++ * options.pieceBytes;
      const lengthBytes = Math.min(options.pieceBytes, source.lengthBytes - offsetBytes);
      try {
        const bytes = await source.read(offsetBytes, lengthBytes, buffer);
        await sink.write(offsetBytes, bytes);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.inFlight, count) }, worker));
  if (failure !== undefined) throw failure;
}

/**
 * Hands pieces to `write` in file order while reading up to `inFlight` ahead (for stdout, which has no
 * offsets). `write` may wait (backpressure); reads ahead stay bounded meanwhile.
 */
export async function streamPieces(source: CopySource, write: (bytes: Uint8Array) => Promise<void>, options: { readonly pieceBytes: number; readonly inFlight: number }): Promise<void> {
  const count = pieceCount(source.lengthBytes, options.pieceBytes);
  const reads = new Map<number, Promise<Uint8Array>>();
  const start = (index: number): void => {
    const offsetBytes = index * options.pieceBytes;
    const read = source.read(offsetBytes, Math.min(options.pieceBytes, source.lengthBytes - offsetBytes));
    // Handled when its turn comes; this only keeps an early rejection from counting as unhandled.
    read.catch(() => undefined);
    reads.set(index, read);
  };
  for (let i = 0; i < Math.min(options.inFlight, count); i++) start(i);
  for (let i = 0; i < count; i++) {
    const bytes = await reads.get(i)!;
    reads.delete(i);
    if (i + options.inFlight < count) start(i + options.inFlight);
    await write(bytes);
  }
}
