import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gensort, partitionRecords, sortRecords, valsort, valsortSummaries } from '../../graysort/index.ts';
import { localToFlyer, flyerToLocal, type CopyOptions } from '../framework/local-copy.ts';
import { mapLimited } from '../framework/limited.ts';
import type { ClientContext } from '../framework/workload.ts';
import { ownedPartitions, paths, recordRange, RECORD_BYTES, type GraySortParams } from './graysort-params.ts';
import type { GenerateOutput, PartitionOutput, SortOutput, ValidateInput, ValidateOutput } from './graysort-types.ts';

/**
 * GraySort on real clients: every compute step runs our native tools (gensort, flyer-sort, valsort) on
 * local scratch files, and every byte between steps goes through Flyer, as smallpond's benchmark keeps
 * all data on 3FS. Scratch space is removed after each step.
 */
type Ctx = ClientContext<GraySortParams>;

/** Piece files copied at once (each with its own pieces in flight). */
const FILES_IN_FLIGHT = 4;

async function withScratch<T>(ctx: Ctx, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `flyer-graysort-${ctx.clientIndex}-`));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function copyOptions(ctx: Ctx, progress?: (bytes: number) => void): CopyOptions {
  return { pieceBytes: ctx.params.pieceBytes, inFlight: ctx.params.inFlight, recorder: ctx.recorder, ...(progress ? { onBytes: progress } : {}) };
}

function counter(ctx: Ctx): (bytes: number) => void {
  let done = 0;
  return (bytes) => ctx.progress((done += bytes));
}

export async function generateReal(ctx: Ctx): Promise<GenerateOutput> {
  const { start, count } = recordRange(ctx.params, ctx.clientIndex, ctx.clientCount);
  return withScratch(ctx, async (dir) => {
    const local = join(dir, 'input.dat');
    const { checksumHex } = await gensort(local, { records: count, start, ascii: ctx.params.ascii, threads: ctx.params.threads });
    await localToFlyer(ctx.fs, local, paths.input(ctx.clientIndex), copyOptions(ctx, counter(ctx)));
    return { records: count, checksumHex };
  });
}

export async function partitionReal(ctx: Ctx): Promise<PartitionOutput> {
  const progress = counter(ctx);
  return withScratch(ctx, async (dir) => {
    const input = join(dir, 'input.dat');
    await flyerToLocal(ctx.fs, paths.input(ctx.clientIndex), input, copyOptions(ctx, progress));
    const outDir = join(dir, 'parts');
    await mkdir(outDir);
    const result = await partitionRecords(input, { parts: ctx.params.partitions, outDir, keySpace: ctx.params.ascii ? 'ascii' : 'binary' });
    await rm(input);
    // Many small piece files: several at once, so per-file metadata round trips overlap.
    await mapLimited(result.files, FILES_IN_FLIGHT, (file, part) => localToFlyer(ctx.fs, file, paths.piece(part, ctx.clientIndex), copyOptions(ctx, progress)));
    return { records: result.records, counts: result.counts };
  });
}

export async function sortReal(ctx: Ctx): Promise<SortOutput> {
  const progress = counter(ctx);
  const results: SortOutput['partitions'][number][] = [];
  for (const part of ownedPartitions(ctx.params, ctx.clientIndex, ctx.clientCount)) {
    results.push(await withScratch(ctx, async (dir) => {
      const clients = Array.from({ length: ctx.clientCount }, (_, client) => client);
      const pieces = await mapLimited(clients, FILES_IN_FLIGHT, async (client) => {
        const local = join(dir, `piece-${client}.dat`);
        await flyerToLocal(ctx.fs, paths.piece(part, client), local, copyOptions(ctx, progress));
        return local;
      });
      const output = join(dir, 'sorted.dat');
      const stats = await sortRecords(pieces, output, { threads: ctx.params.threads });
      let summaryBase64: string | undefined;
      if (stats.records > 0) {
        const summaryPath = join(dir, 'sorted.sum');
        await valsort(output, { summaryOut: summaryPath });
        summaryBase64 = (await readFile(summaryPath)).toString('base64');
      }
      await localToFlyer(ctx.fs, output, paths.output(part), copyOptions(ctx, progress));
      return { partition: part, records: stats.records, sortSec: stats.totalSec, ...(summaryBase64 ? { summaryBase64 } : {}) };
    }));
  }
  return { partitions: results };
}

/**
 * valsort over the concatenated partition summaries (in partition order, so order across partitions is
 * checked too), compared with the sum of gensort's input checksums. Only a valid sort gets _SUCCESS.
 */
export async function validateReal(ctx: Ctx, input: ValidateInput): Promise<ValidateOutput> {
  return withScratch(ctx, async (dir) => {
    const summaries = join(dir, 'all.sum');
    await writeFile(summaries, Buffer.concat(input.summariesBase64.map((s) => Buffer.from(s, 'base64'))));
    const report = input.summariesBase64.length > 0 ? await valsortSummaries(summaries) : undefined;
    const records = report ? Number(report.records) : 0;
    const checksumHex = report?.checksumHex ?? '0';
    const problems: string[] = [];
    if (report && !report.inOrder) problems.push(`valsort: ${report.unordered} unordered records, first at record ${report.firstUnordered}`);
    if (BigInt(`0x${checksumHex}`) !== BigInt(`0x${input.inputChecksumHex}`)) problems.push(`output checksum ${checksumHex} differs from the input's ${input.inputChecksumHex}`);
    if (records !== input.inputRecords) problems.push(`output has ${records} records, the input ${input.inputRecords}`);
    if (problems.length === 0) await ctx.fs.writeFile(paths.success, `records ${records}\nchecksum ${checksumHex}\n`);
    return {
      valid: problems.length === 0, records, outputBytes: records * RECORD_BYTES, checksumHex, inputChecksumHex: input.inputChecksumHex,
      duplicates: report?.duplicates === null || report === undefined ? null : Number(report.duplicates), problems, validatedBy: 'valsort -s',
    };
  });
}
