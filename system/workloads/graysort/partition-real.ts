import { partitionRecordsInMemory } from '../../graysort/index.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import type { FileHandle } from '../../services/fs/flyer-fs.ts';
import { workloadBuffers } from '../framework/buffer-pool.ts';
import { mapLimited } from '../framework/limited.ts';
import type { ClientContext } from '../framework/workload.ts';
import { paths, RECORD_BYTES, stagingBytesOf, type GraySortParams } from './graysort-params.ts';
import type { PartitionOutput } from './graysort-types.ts';
import { PieceAppender } from './piece-appender.ts';
import { Straddlers } from './straddlers.ts';

type Ctx = ClientContext<GraySortParams>;

/** Staging held for all partitions of one client together (each gets at least one chunk). */
const STAGING_BUDGET_BYTES = 256 << 20;
/** Piece files opened at once (each open is a metadata round trip). */
const OPENS_IN_FLIGHT = 16;

/**
 * Phase 1 on a real client, streamed: blocks of this client's input are read from Flyer (several ahead,
 * straight into reused buffers), split by key range in memory by the native partitioner, and each
 * partition's records are appended to its piece file on Flyer while later blocks are still being read.
 * No byte touches a local disk, and reading, partitioning and writing overlap.
 */
export async function partitionReal(ctx: Ctx, progress: (bytes: number) => void): Promise<PartitionOutput> {
  const { partitions, pieceBytes, inFlight, chunkBytes } = ctx.params;
  const input = await ctx.fs.open(paths.input(ctx.clientIndex), { read: true });
  const sizeBytes = input.lengthBytes;
  const stagingBytes = chunkBytes * Math.max(1, Math.floor(Math.min(pieceBytes, STAGING_BUDGET_BYTES / partitions) / chunkBytes));
  const writeSlots = new Semaphore(inFlight);
  const written = (bytes: number): void => {
    ctx.recorder.add('write', bytes);
    progress(bytes);
  };
  const handles = await mapLimited(Array.from({ length: partitions }, (_, part) => part), OPENS_IN_FLIGHT,
    (part) => ctx.fs.open(paths.piece(part, ctx.clientIndex), { write: true, create: true, truncate: true }));
  const appenders = handles.map((handle) => new PieceAppender(handle, stagingBytes, writeSlots, workloadBuffers, written));
  const counts = new Array<number>(partitions).fill(0);
  const keySpace = ctx.params.ascii ? 'ascii' : 'binary';
  const split = async (records: Uint8Array, into: Uint8Array): Promise<void> => {
    const grouped = await partitionRecordsInMemory(records, partitions, keySpace, into);
    for (let part = 0; part < partitions; part++) {
      counts[part]! += grouped.counts[part]!;
      await appenders[part]!.append(grouped.grouped.subarray(grouped.offsets[part]!, grouped.offsets[part + 1]!));
    }
  };
  // Blocks are whole chunks of the input, in buffers of the size every phase pools. Chunk-aligned reads
  // matter: a read of part of a chunk makes its server read and verify the whole chunk, and record-sized
  // blocks (16,777,200 bytes) cut a chunk at every boundary, a quarter more disk reads. The one record
  // straddling each boundary is set aside and partitioned with the others at the end.
  const blockBytes = stagingBytesOf(ctx.params);
  const grouped = workloadBuffers.take(blockBytes);
  const straddlers = new Straddlers(Math.ceil(sizeBytes / blockBytes));
  try {
    for await (const block of blocksOf(input, sizeBytes, blockBytes, inFlight, (bytes) => {
      ctx.recorder.add('read', bytes);
      progress(bytes);
    })) {
      try {
        const records = straddlers.wholeRecordsOf(block.view);
        if (records.length > 0) await split(records, grouped);
      } finally {
        workloadBuffers.give(block.whole);
      }
    }
    const last = straddlers.finish(sizeBytes);
    if (last.length > 0) await split(last, grouped);
    await Promise.all(appenders.map((appender) => appender.finish()));
  } finally {
    workloadBuffers.give(grouped);
    await input.close();
  }
  return { records: sizeBytes / RECORD_BYTES, counts };
}

interface Block {
  /** The pooled buffer, to give back. */
  readonly whole: Buffer;
  /** The block's bytes in it. */
  readonly view: Uint8Array;
}

/** The file's blocks in order, with up to `ahead` reads in flight beyond the one being consumed. */
async function* blocksOf(input: FileHandle, sizeBytes: number, blockBytes: number, ahead: number, onRead: (bytes: number) => void): AsyncGenerator<Block> {
  const pending: Promise<Block>[] = [];
  let nextOffset = 0;
  const startRead = (): void => {
    const offset = nextOffset;
    const length = Math.min(blockBytes, sizeBytes - offset);
    nextOffset += length;
    const whole = workloadBuffers.take(blockBytes);
    const read = input.preadInto(offset, whole.subarray(0, length)).then((got) => {
      if (got !== length) throw new Error(`input: read ${got} of ${length} bytes at ${offset}`);
      onRead(length);
      return { whole, view: whole.subarray(0, length) };
    });
    // Awaited in order later; until then a failure must not count as unhandled.
    read.catch(() => undefined);
    pending.push(read);
  };
  while (nextOffset < sizeBytes && pending.length < ahead) startRead();
  while (pending.length > 0) {
    const block = await pending.shift()!;
    if (nextOffset < sizeBytes) startRead();
    yield block;
  }
}
