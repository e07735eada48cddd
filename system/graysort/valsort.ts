/**
 * valsort as a library call: validates a records file (optionally writing its 280-byte summary), or a
 * file of concatenated summaries, and returns valsort's report parsed. A GraySort run writes one
 * summary per output partition, concatenates them in partition order (concatSummaries) and validates
 * the whole output with valsortSummaries, without rereading the data.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { FlyerError } from '../env/errors.ts';
import { runTool, toolFailure, type ToolRun } from './native-tools.ts';

export interface ValsortReport {
  readonly records: bigint;
  readonly checksum: bigint;
  readonly checksumHex: string;
  /** Only reported when the records are in order (as valsort prints it). */
  readonly duplicates: bigint | null;
  readonly unordered: bigint;
  /** 0-based index of the first record below its predecessor; null when in order. */
  readonly firstUnordered: bigint | null;
  readonly inOrder: boolean;
}

export interface ValsortOptions {
  /** Write the file's summary here (valsort -o). */
  readonly summaryOut?: string;
  /** Case-insensitive key comparison (valsort -i). */
  readonly caseInsensitive?: boolean;
  readonly threads?: number;
}

const field = (text: string, pattern: RegExp): string | null => pattern.exec(text)?.[1] ?? null;

/** Parses valsort's standard error (non-quiet mode). */
export function parseValsortReport(run: ToolRun): ValsortReport {
  const records = field(run.stderr, /^Records: (\d+)$/m);
  const checksumHex = field(run.stderr, /^Checksum: ([0-9a-f]+)$/m);
  if (records === null || checksumHex === null) throw toolFailure('flyer-valsort', run);
  const unordered = field(run.stderr, /^ERROR - there are (\d+) unordered records$/m);
  const first = field(run.stderr, /^First unordered record is record (\d+)$/m);
  const duplicates = field(run.stderr, /^Duplicate keys: (\d+)$/m);
  return {
    records: BigInt(records),
    checksum: BigInt(`0x${checksumHex}`),
    checksumHex,
    duplicates: duplicates === null ? null : BigInt(duplicates),
    unordered: unordered === null ? 0n : BigInt(unordered),
    firstUnordered: first === null ? null : BigInt(first),
    inOrder: unordered === null && /^SUCCESS - all records are in order$/m.test(run.stderr),
  };
}

export async function valsort(path: string, options: ValsortOptions = {}): Promise<ValsortReport> {
  const args = [
    ...(options.caseInsensitive ? ['-i'] : []),
    ...(options.summaryOut ? ['-o', options.summaryOut] : []),
    ...(options.threads ? [`-t${options.threads}`] : []),
    path,
  ];
  return parseValsortReport(await runTool('flyer-valsort', args));
}

/** Validates a file of concatenated summaries as one output (valsort -s). */
export async function valsortSummaries(path: string, options: { caseInsensitive?: boolean } = {}): Promise<ValsortReport> {
  return parseValsortReport(await runTool('flyer-valsort', [...(options.caseInsensitive ? ['-i'] : []), '-s', path]));
}

/** Concatenates summary files in the given (output partition) order into `out`. */
export async function concatSummaries(paths: readonly string[], out: string): Promise<void> {
  const parts = await Promise.all(paths.map((p) => readFile(p)));
  await writeFile(out, Buffer.concat(parts));
}

/**
 * The GraySort verdict: every record in order and, when the input's checksum is known, the same
 * multiset of records (sum of CRC-32s equal). Throws a coded error otherwise.
 */
export function expectValidSort(report: ValsortReport, inputChecksum?: bigint, inputRecords?: bigint): void {
  if (!report.inOrder) {
    throw new FlyerError('VALSORT_UNORDERED', `${report.unordered} unordered records, the first is record ${report.firstUnordered}`);
  }
  if (inputChecksum !== undefined && report.checksum !== inputChecksum) {
    throw new FlyerError('VALSORT_CHECKSUM_MISMATCH', `output ${report.checksumHex}, input ${inputChecksum.toString(16)}`);
  }
  if (inputRecords !== undefined && report.records !== inputRecords) {
    throw new FlyerError('VALSORT_CHECKSUM_MISMATCH', `output has ${report.records} records, input ${inputRecords}`);
  }
}
