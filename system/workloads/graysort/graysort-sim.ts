import { syntheticPayload } from '../../env/payload.ts';
import type { Env } from '../../env/types.ts';
import type { FlyerFs } from '../../services/fs/flyer-fs.ts';
import { mapLimited } from '../framework/limited.ts';
import type { ClientContext } from '../framework/workload.ts';
import { ownedPartitions, paths, recordRange, RECORD_BYTES, type GraySortParams } from './graysort-params.ts';
import type { GenerateOutput, PartitionOutput, SortOutput, ValidateInput, ValidateOutput } from './graysort-types.ts';

/**
 * GraySort in simulation: the same files on Flyer with the same sizes, moved as synthetic payloads, and
 * the compute stages charged to the client's simulated cores at the per-core rates measured from our
 * native tools. Keys are not materialised, so partitions get equal shares (gensort's uniform keys) and
 * validation checks record counts, not order.
 */
type Ctx = ClientContext<GraySortParams>;

/** Piece files written or read at once, as in real runs. */
const FILES_IN_FLIGHT = 4;

/** Spreads `bytes` of work over all cores of the client at `bytesPerCoreSec` each. */
async function compute(env: Env, cores: number, bytes: number, bytesPerCoreSec: number): Promise<void> {
  const perCoreNs = Math.ceil(((bytes / cores) / bytesPerCoreSec) * 1e9);
  if (perCoreNs > 0) await Promise.all(Array.from({ length: cores }, () => env.cpu.charge(perCoreNs)));
}

async function writeSynthetic(ctx: Ctx, path: string, sizeBytes: number, seed: number, onBytes: (n: number) => void): Promise<void> {
  const handle = await ctx.fs.open(path, { write: true, create: true, truncate: true });
  await pieces(ctx, sizeBytes, async (offset, length) => {
    await handle.pwrite(offset, syntheticPayload({ contentSeed: seed, offsetBytes: offset, sizeBytes: length }));
    ctx.recorder.add('write', length);
    onBytes(length);
  });
  await handle.close();
}

async function readAll(ctx: Ctx, fs: FlyerFs, path: string, onBytes: (n: number) => void): Promise<number> {
  const handle = await fs.open(path, { read: true });
  const sizeBytes = handle.lengthBytes;
  await pieces(ctx, sizeBytes, async (offset, length) => {
    const data = await handle.pread(offset, length);
    ctx.recorder.add('read', data.sizeBytes);
    onBytes(data.sizeBytes);
  });
  await handle.close();
  return sizeBytes;
}

async function pieces(ctx: Ctx, sizeBytes: number, body: (offset: number, length: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sizeBytes) {
      const offset = next;
      const length = Math.min(ctx.params.pieceBytes, sizeBytes - offset);
      next += length;
      await body(offset, length);
    }
  };
  await Promise.all(Array.from({ length: ctx.params.inFlight }, worker));
}

function counter(ctx: Ctx): (bytes: number) => void {
  let done = 0;
  return (bytes) => ctx.progress((done += bytes));
}

/** Equal shares of `records` over `parts` (the first ones take the remainder). */
function shares(records: number, parts: number): number[] {
  const base = Math.floor(records / parts);
  return Array.from({ length: parts }, (_, p) => base + (p < records % parts ? 1 : 0));
}

export async function generateSim(ctx: Ctx): Promise<GenerateOutput> {
  const { count } = recordRange(ctx.params, ctx.clientIndex, ctx.clientCount);
  await compute(ctx.env, ctx.params.cores, count * RECORD_BYTES, ctx.params.gensortBytesPerCoreSec);
  await writeSynthetic(ctx, paths.input(ctx.clientIndex), count * RECORD_BYTES, 1 + ctx.clientIndex, counter(ctx));
  return { records: count, checksumHex: '0' };
}

export async function partitionSim(ctx: Ctx): Promise<PartitionOutput> {
  const progress = counter(ctx);
  const bytes = await readAll(ctx, ctx.fs, paths.input(ctx.clientIndex), progress);
  const records = bytes / RECORD_BYTES;
  await compute(ctx.env, ctx.params.cores, bytes, ctx.params.partitionBytesPerCoreSec);
  const counts = shares(records, ctx.params.partitions);
  await mapLimited(counts, FILES_IN_FLIGHT, (count, part) => writeSynthetic(ctx, paths.piece(part, ctx.clientIndex), count * RECORD_BYTES, 1000 + part, progress));
  return { records, counts };
}

export async function sortSim(ctx: Ctx): Promise<SortOutput> {
  const progress = counter(ctx);
  const results: SortOutput['partitions'][number][] = [];
  for (const part of ownedPartitions(ctx.params, ctx.clientIndex, ctx.clientCount)) {
    const clients = Array.from({ length: ctx.clientCount }, (_, client) => client);
    const bytes = (await mapLimited(clients, FILES_IN_FLIGHT, (client) => readAll(ctx, ctx.fs, paths.piece(part, client), progress))).reduce((a, b) => a + b, 0);
    const startNs = ctx.env.clock.now();
    await compute(ctx.env, ctx.params.cores, bytes, ctx.params.sortBytesPerCoreSec);
    const sortSec = (ctx.env.clock.now() - startNs) / 1e9;
    await writeSynthetic(ctx, paths.output(part), bytes, 100_000 + part, progress);
    results.push({ partition: part, records: bytes / RECORD_BYTES, sortSec });
  }
  return { partitions: results };
}

export async function validateSim(ctx: Ctx, input: ValidateInput): Promise<ValidateOutput> {
  let outputBytes = 0;
  for (let part = 0; part < ctx.params.partitions; part++) outputBytes += (await ctx.fs.stat(paths.output(part)) as { lengthBytes: number }).lengthBytes;
  const records = outputBytes / RECORD_BYTES;
  const problems = records === input.inputRecords ? [] : [`output holds ${records} records, the input ${input.inputRecords}`];
  if (problems.length === 0) await ctx.fs.writeFile(paths.success, syntheticPayload({ contentSeed: 7, sizeBytes: 64 }));
  return {
    valid: problems.length === 0, records, outputBytes, checksumHex: 'n/a (synthetic)', inputChecksumHex: 'n/a (synthetic)', duplicates: null, problems,
    validatedBy: 'record counts (simulation moves synthetic bytes; order is checked by real runs)',
  };
}
