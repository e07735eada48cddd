import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gensort, valsortSummaries } from '../../graysort/index.ts';
import { scratchRoot } from '../../real/scratch-root.ts';
import { localToFlyer, type CopyOptions } from '../framework/local-copy.ts';
import type { ClientContext } from '../framework/workload.ts';
import { paths, recordRange, RECORD_BYTES, type GraySortParams } from './graysort-params.ts';
import { partitionReal as partitionStreamed } from './partition-real.ts';
import { sortReal as sortInMemory } from './sort-real.ts';
import type { GenerateOutput, PartitionOutput, SortOutput, ValidateInput, ValidateOutput } from './graysort-types.ts';

/**
 * GraySort on real clients, with every byte between steps on Flyer as smallpond's benchmark keeps all
 * data on 3FS. Generation runs gensort into local scratch and copies the file in (it is not timed as
 * part of the sort); partition and sort stream between Flyer and memory and run the native partitioner
 * and sort in process (partition-real.ts, sort-real.ts); validation runs valsort over the partitions'
 * summaries. Scratch space is removed after each step.
 */
type Ctx = ClientContext<GraySortParams>;

async function withScratch<T>(ctx: Ctx, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(scratchRoot(), `flyer-graysort-${ctx.clientIndex}-`));
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

export function partitionReal(ctx: Ctx): Promise<PartitionOutput> {
  return partitionStreamed(ctx, counter(ctx));
}

export function sortReal(ctx: Ctx): Promise<SortOutput> {
  return sortInMemory(ctx, counter(ctx));
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
