import { sortRecordsInMemory, summarizeRecordsInMemory } from '../../graysort/index.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import { readWholeInto, writeFromMemory, type PieceOptions } from '../framework/flyer-stream.ts';
import { mapLimited } from '../framework/limited.ts';
import type { ClientContext } from '../framework/workload.ts';
import { ownedPartitions, paths, RECORD_BYTES, type GraySortParams } from './graysort-params.ts';
import type { SortOutput } from './graysort-types.ts';

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
 * memory, the native sort orders the records into a second buffer, valsort's summary of the result is
 * taken, and the sorted records are written to the partition's output file on Flyer.
 */
export async function sortReal(ctx: Ctx, progress: (bytes: number) => void): Promise<SortOutput> {
  const owned = ownedPartitions(ctx.params, ctx.clientIndex, ctx.clientCount);
  const stages: Stages = { read: new Semaphore(1), sort: new Semaphore(1) };
  return { partitions: await mapLimited(owned, PARTITIONS_AT_ONCE, (part) => sortPartition(ctx, part, stages, progress)) };
}

/** One partition at a time reads its pieces, and one at a time sorts; writes overlap both. */
interface Stages {
  readonly read: Semaphore;
  readonly sort: Semaphore;
}

async function sortPartition(ctx: Ctx, part: number, stages: Stages, progress: (bytes: number) => void): Promise<SortedPartition> {
  const options: PieceOptions = { pieceBytes: ctx.params.pieceBytes, inFlight: ctx.params.inFlight, recorder: ctx.recorder, onBytes: progress };
  const clients = Array.from({ length: ctx.clientCount }, (_, client) => client);
  const pieces = await stages.read.with(() => mapLimited(clients, FILES_IN_FLIGHT, async (client) => {
    const path = paths.piece(part, client);
    const handle = await ctx.fs.open(path, { read: true });
    try {
      const bytes = Buffer.allocUnsafe(handle.lengthBytes);
      await readWholeInto(handle, bytes, options, path);
      return bytes;
    } finally {
      await handle.close();
    }
  }));
  const totalBytes = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const output = await ctx.fs.open(paths.output(part), { write: true, create: true, truncate: true });
  try {
    if (totalBytes === 0) return { partition: part, records: 0, sortSec: 0 };
    const { sorted, stats, summary } = await stages.sort.with(async () => {
      const done = await sortRecordsInMemory(pieces, { threads: ctx.params.threads });
      pieces.length = 0; // the inputs can go while the output is written
      return { ...done, summary: await summarizeRecordsInMemory(done.sorted, ctx.params.threads) };
    });
    await writeFromMemory(output, 0, sorted, options);
    return { partition: part, records: totalBytes / RECORD_BYTES, sortSec: stats.totalSec, summaryBase64: Buffer.from(summary).toString('base64') };
  } finally {
    await output.close();
  }
}
