import { strict as assert } from 'node:assert';
import { MAX_SORT_INPUTS } from '../../graysort/sort-library.ts';
import type { FileHandle } from '../../services/fs/flyer-fs.ts';
import type { BufferPool } from '../framework/buffer-pool.ts';
import { mapLimited } from '../framework/limited.ts';
import { RECORD_BYTES } from './graysort-params.ts';
import { Straddlers } from './straddlers.ts';

/**
 * A partition's pieces as the sort reads them: each piece lands in a run of equal, pooled segments (the
 * size the partition phase's buffers have, so the sort reuses the memory the partition phase touched
 * instead of faulting in a fresh partition-sized buffer: about 0.5 s of CPU per GB on this VM), and the
 * sort takes whole-record views of the segments. Segment boundaries fall on chunk boundaries, not on
 * records, so the one record straddling each boundary is copied into a small buffer of its own.
 */
export interface SegmentedInput {
  /** Whole-record views for the sort: the segments' interiors, then each piece's straddling records. */
  readonly inputs: readonly Uint8Array[];
  /** The pooled segments, to give back once nothing reads the views. */
  readonly segments: readonly Buffer[];
}

export interface SegmentedRead {
  readonly pool: BufferPool;
  /** Bytes per segment: a whole number of chunks, so every read but a piece's last is chunk-aligned. */
  readonly segmentBytes: number;
  /** Segment reads in flight at once, over all pieces. */
  readonly inFlight: number;
  /** Called after each segment has been read, with its length. */
  readonly onRead: (bytes: number) => void;
}

/**
 * Reads every piece (its file's whole length, a multiple of 100 bytes) into pooled segments. On failure
 * the segments are dropped, not pooled: a read still in flight may yet land in one.
 */
export async function readSegmented(pieces: readonly { handle: FileHandle; what: string }[], options: SegmentedRead): Promise<SegmentedInput> {
  const segmentBytes = segmentBytesFor(pieces.reduce((sum, piece) => sum + piece.handle.lengthBytes, 0), options.segmentBytes);
  const reads = pieces.flatMap((piece, index) => Array.from({ length: Math.ceil(piece.handle.lengthBytes / segmentBytes) }, (_, k) => ({ piece: index, k })));
  const segments = reads.map(() => options.pool.take(segmentBytes));
  await mapLimited(reads, options.inFlight, async ({ piece, k }, at) => {
    const { handle, what } = pieces[piece]!;
    const offset = k * segmentBytes;
    const length = Math.min(segmentBytes, handle.lengthBytes - offset);
    const got = await handle.preadInto(offset, segments[at]!.subarray(0, length));
    if (got !== length) throw new Error(`${what}: read ${got} of ${length} bytes at ${offset}`);
    options.onRead(length);
  });
  const inputs: Uint8Array[] = [];
  let at = 0;
  for (const piece of pieces) {
    const count = Math.ceil(piece.handle.lengthBytes / segmentBytes);
    const views = wholeRecordViews(segments.slice(at, at + count), piece.handle.lengthBytes, segmentBytes);
    inputs.push(...views.interiors);
    if (views.straddlers.length > 0) inputs.push(views.straddlers);
    at += count;
  }
  assert(inputs.length <= MAX_SORT_INPUTS, `${inputs.length} sort inputs exceed the limit of ${MAX_SORT_INPUTS}`);
  return { inputs, segments };
}

/**
 * The segment size for a partition of `totalBytes`: the preferred size, unless the partition would then
 * need more sort inputs than a sort can number (up to two per segment), when it grows by whole multiples.
 */
export function segmentBytesFor(totalBytes: number, preferredBytes: number): number {
  const inputsPerSegment = 2;
  const segmentsMax = Math.floor((MAX_SORT_INPUTS - 1) / inputsPerSegment);
  return preferredBytes * Math.max(1, Math.ceil(totalBytes / preferredBytes / segmentsMax));
}

/**
 * Whole-record views of one piece of `lengthBytes` held in `segments` (segment k holds the piece's bytes
 * [k x segmentBytes, ...)): each segment's records that lie wholly inside it, and, in one new buffer,
 * the records that straddle a segment boundary. Together they hold every record of the piece once.
 */
export function wholeRecordViews(segments: readonly Uint8Array[], lengthBytes: number, segmentBytes: number): { interiors: Uint8Array[]; straddlers: Uint8Array } {
  assert(lengthBytes % RECORD_BYTES === 0, `a piece of ${lengthBytes} bytes is not whole records`);
  assert(segmentBytes >= RECORD_BYTES, `segments of ${segmentBytes} bytes are smaller than a record`);
  assert(segments.length === Math.ceil(lengthBytes / segmentBytes), `${segments.length} segments cannot hold ${lengthBytes} bytes in ${segmentBytes}-byte segments`);
  const straddlers = new Straddlers(segments.length);
  const interiors = segments
    .map((segment, k) => straddlers.wholeRecordsOf(segment.subarray(0, Math.min(segmentBytes, lengthBytes - k * segmentBytes))))
    .filter((view) => view.length > 0);
  return { interiors, straddlers: straddlers.finish(lengthBytes) };
}
