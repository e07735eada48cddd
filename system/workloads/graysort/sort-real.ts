import { SortedRecords } from '../../graysort/index.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import { BufferPool, workloadBuffers } from '../framework/buffer-pool.ts';
import { readWholeInto, type PieceOptions } from '../framework/flyer-stream.ts';
import { mapLimited } from '../framework/limited.ts';
import type { ClientContext } from '../framework/workload.ts';
import { ownedPartitions, paths, RECORD_BYTES, type GraySortParams } from './graysort-params.ts';
import type { SortOutput } from './graysort-types.ts';
import { PieceAppender } from './piece-appender.ts';

type Ctx = ClientContext<GraySortParams>;
type SortedPartition = SortOutput['partitions'][number];

/**
 * Partitions of one client in memory at once, as a pipeline: one partition's pieces are read while the
 * one before is sorted and the one before that is written, so the client's cores, its reads and its
 * writes all stay busy (two at once, each reading then writing, left reads and writes in lock step).
 */
const PARTITIONS_AT_ONCE = 3;
/** Piece files read at once per partition. */
const FILES_IN_FLIGHT = 4;

/**
 * Phase 2 on a real client: for each partition it owns, every client's piece is read from Flyer into
 * one buffer, the native sort computes the order, and the sorted records are gathered block by block
 * (each with its valsort summary) and streamed to the partition's output file on Flyer, so writing
 * starts as soon as the order is known and no partition-sized output buffer exists.
 */
export async function sortReal(ctx: Ctx, progress: (bytes: number) => void): Promise<SortOutput> {
  const owned = ownedPartitions(ctx.params, ctx.clientIndex, ctx.clientCount);
  const stages: Stages = { read: new Semaphore(1), sort: new Semaphore(1), writeSlots: new Semaphore(ctx.params.inFlight) };
  return { partitions: await mapLimited(owned, PARTITIONS_AT_ONCE, (part) => sortPartition(ctx, part, stages, progress)) };
}

/** One partition at a time reads its pieces, and one at a time sorts; writes of all share the slots. */
interface Stages {
  readonly read: Semaphore;
  readonly sort: Semaphore;
  readonly writeSlots: Semaphore;
}

async function sortPartition(ctx: Ctx, part: number, stages: Stages, progress: (bytes: number) => void): Promise<SortedPartition> {
  const options: PieceOptions = { pieceBytes: ctx.params.pieceBytes, inFlight: ctx.params.inFlight, recorder: ctx.recorder, onBytes: progress };
  const clients = Array.from({ length: ctx.clientCount }, (_, client) => client);
  const handles = await mapLimited(clients, FILES_IN_FLIGHT, (client) => ctx.fs.open(paths.piece(part, client), { read: true }));
  const totalBytes = handles.reduce((sum, handle) => sum + handle.lengthBytes, 0);
  // Every piece lands in one reused buffer.
  const input = inputBuffers.take(capacityFor(totalBytes));
  try {
    const pieces = await stages.read.with(async () => {
      let at = 0;
      const views = handles.map((handle) => input.subarray(at, (at += handle.lengthBytes)));
      await mapLimited(clients, FILES_IN_FLIGHT, (client) => readWholeInto(handles[client]!, views[client]!, options, paths.piece(part, client)));
      return views;
    });
    const output = await ctx.fs.open(paths.output(part), { write: true, create: true, truncate: true });
    if (totalBytes === 0) {
      await output.close();
      inputBuffers.give(input);
      return { partition: part, records: 0, sortSec: 0 };
    }
    const sorted = await stages.sort.with(() => SortedRecords.sort(pieces, ctx.params.threads));
    const written = (bytes: number): void => {
      ctx.recorder.add('write', bytes);
      progress(bytes);
    };
    // Whole chunks per write, as in the partition phase; gathered blocks are whole records.
    const appender = new PieceAppender(output, ctx.params.chunkBytes * Math.max(1, Math.floor(ctx.params.pieceBytes / ctx.params.chunkBytes)), stages.writeSlots, workloadBuffers, written);
    // Records are gathered straight into the appender's staging space; only the one record per staging
    // buffer that straddles its end goes through a small buffer (staging holds whole chunks, not records).
    const straddler = Buffer.allocUnsafe(RECORD_BYTES);
    try {
      while (sorted.remaining > 0) {
        const records = Math.min(sorted.remaining, Math.floor(appender.spaceBytes / RECORD_BYTES));
        if (records > 0) {
          await appender.fill(records * RECORD_BYTES, async (space) => (await sorted.gatherNext(records, space)).length);
        } else {
          await appender.append(await sorted.gatherNext(1, straddler));
        }
      }
    } finally {
      sorted.close();
    }
    // The order is freed, so the input may serve the next partition while the last writes finish.
    inputBuffers.give(input);
    await appender.finish();
    const sortSec = sorted.stats.loadSec + sorted.stats.sortSec;
    return { partition: part, records: totalBytes / RECORD_BYTES, sortSec, summaryBase64: Buffer.from(sorted.summary!).toString('base64') };
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
}

/**
 * Partition input buffers are reused across partitions: fresh memory cost the kernel a page fault and
 * a zeroed page per 4 KiB, about a tenth of the machine's CPU in the sort phase. Sizes are rounded up
 * so that partitions of slightly different sizes share buffers. A buffer goes back exactly once, when
 * nothing reads it any more; after an error it is simply dropped.
 */
const inputBuffers = new BufferPool(2 * 2 ** 30);
const CAPACITY_STEP_BYTES = 16 << 20;

function capacityFor(bytes: number): number {
  return Math.max(CAPACITY_STEP_BYTES, Math.ceil(bytes / CAPACITY_STEP_BYTES) * CAPACITY_STEP_BYTES);
}
