import { SortedRecords } from '../../graysort/index.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import { workloadBuffers } from '../framework/buffer-pool.ts';
import { mapLimited } from '../framework/limited.ts';
import type { ClientContext } from '../framework/workload.ts';
import { ownedPartitions, paths, RECORD_BYTES, stagingBytesOf, type GraySortParams } from './graysort-params.ts';
import type { SortOutput } from './graysort-types.ts';
import { PieceAppender } from './piece-appender.ts';
import { readSegmented } from './segmented-input.ts';

type Ctx = ClientContext<GraySortParams>;
type SortedPartition = SortOutput['partitions'][number];

/**
 * Partitions of one client in memory at once, as a pipeline: one partition's pieces are read while the
 * one before is sorted and written. Three (reading, sorting, writing) was faster while every partition
 * needed fresh memory; with pooled segments, two touch a third less memory and ran the 2 GiB sort phase
 * in 5.50 and 5.52 s against 5.74 and 5.78 s for three (alternating runs, scratch e2e).
 */
const PARTITIONS_AT_ONCE = 2;
/** Piece files read at once per partition. */
const FILES_IN_FLIGHT = 4;

/**
 * Phase 2 on a real client: for each partition it owns, every client's piece is read from Flyer into
 * pooled segments (segmented-input.ts), the native sort computes the order over them, and the sorted records are gathered block by block
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
  const clients = Array.from({ length: ctx.clientCount }, (_, client) => client);
  const handles = await mapLimited(clients, FILES_IN_FLIGHT, (client) => ctx.fs.open(paths.piece(part, client), { read: true }));
  const totalBytes = handles.reduce((sum, handle) => sum + handle.lengthBytes, 0);
  // Whole chunks per write, as in the partition phase; gathered blocks are whole records.
  const stagingBytes = stagingBytesOf(ctx.params);
  try {
    // Pieces land in pooled segments of the staging size: the memory earlier phases and partitions used.
    const input = await stages.read.with(() => readSegmented(handles.map((handle, client) => ({ handle, what: paths.piece(part, client) })), {
      pool: workloadBuffers, segmentBytes: stagingBytes, inFlight: Math.min(handles.length, FILES_IN_FLIGHT) * ctx.params.inFlight,
      onRead: (bytes) => {
        ctx.recorder.add('read', bytes);
        progress(bytes);
      },
    }));
    const giveBack = (): void => input.segments.forEach((segment) => workloadBuffers.give(segment));
    const output = await ctx.fs.open(paths.output(part), { write: true, create: true, truncate: true });
    if (totalBytes === 0) {
      await output.close();
      giveBack();
      return { partition: part, records: 0, sortSec: 0 };
    }
    const sorted = await stages.sort.with(() => SortedRecords.sort(input.inputs, ctx.params.threads));
    const written = (bytes: number): void => {
      ctx.recorder.add('write', bytes);
      progress(bytes);
    };
    const appender = new PieceAppender(output, stagingBytes, stages.writeSlots, workloadBuffers, written);
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
    giveBack();
    await appender.finish();
    const sortSec = sorted.stats.loadSec + sorted.stats.sortSec;
    return { partition: part, records: totalBytes / RECORD_BYTES, sortSec, summaryBase64: Buffer.from(sorted.summary!).toString('base64') };
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
}
