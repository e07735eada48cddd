/**
 * The native sort engine as library calls: sortRecords (phase 2 of GraySort: one partition, local
 * files in, one sorted local file out) and partitionRecords (phase 1: split a file into P key ranges).
 * Both spawn flyer-sort and return what it reports.
 */
import { join } from 'node:path';
import { FlyerError } from '../env/errors.ts';
import { runTool, toolFailure } from './native-tools.ts';

export interface SortStats {
  readonly records: number;
  readonly bytes: number;
  /** Reading the inputs and extracting keys (overlapped). */
  readonly loadSec: number;
  /** Radix scatter and bucket sorts. */
  readonly sortSec: number;
  /** Gathering records in order and writing them (overlapped). */
  readonly writeSec: number;
  readonly totalSec: number;
}

export interface SortOptions {
  readonly threads?: number;
  /** fdatasync the output before returning. */
  readonly sync?: boolean;
  /** Write through the page cache instead of O_DIRECT. */
  readonly buffered?: boolean;
}

export function sortArgs(inputs: readonly string[], output: string, o: SortOptions = {}): string[] {
  if (inputs.length === 0) throw new FlyerError('INVALID_ARGUMENT', 'sort needs at least one input file');
  return ['sort', ...(o.threads ? ['--threads', String(o.threads)] : []), ...(o.sync ? ['--sync'] : []),
    ...(o.buffered ? ['--buffered'] : []), ...inputs, output];
}

function lastJsonLine<T>(stdout: string): T {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new FlyerError('SORT_TOOL_FAILED', `flyer-sort printed no report: ${JSON.stringify(stdout)}`);
  }
}

/** Sorts the concatenation of `inputs` by key into `output` (stable for equal keys). */
export async function sortRecords(inputs: readonly string[], output: string, options: SortOptions = {}): Promise<SortStats> {
  const run = await runTool('flyer-sort', sortArgs(inputs, output, options));
  if (run.code !== 0) throw toolFailure('flyer-sort', run);
  return lastJsonLine<SortStats>(run.stdout);
}

export type KeySpace = 'binary' | 'ascii';

export interface PartitionOptions {
  readonly parts: number;
  readonly outDir: string;
  /** How keys spread over the key space (default binary); ignored when `splitters` is given. */
  readonly keySpace?: KeySpace;
  /** A file of parts-1 sorted 10-byte boundary keys (see sampleSplitters). */
  readonly splitters?: string;
}

export interface PartitionResult {
  readonly records: number;
  /** Records per part. */
  readonly counts: number[];
  /** The part files, in key order; every one exists, possibly empty. */
  readonly files: string[];
}

/** The file holding part `part` of a partition run into `dir`. */
export function partPath(dir: string, part: number): string {
  return join(dir, `part-${String(part).padStart(5, '0')}.dat`);
}

export function partitionArgs(input: string, o: PartitionOptions): string[] {
  if (!Number.isInteger(o.parts) || o.parts < 1) throw new FlyerError('INVALID_ARGUMENT', `parts must be a positive integer, got ${o.parts}`);
  return ['partition', input, '--parts', String(o.parts), '--out', o.outDir,
    ...(o.splitters ? ['--splitters', o.splitters] : ['--key-space', o.keySpace ?? 'binary'])];
}

export async function partitionRecords(input: string, options: PartitionOptions): Promise<PartitionResult> {
  const run = await runTool('flyer-sort', partitionArgs(input, options));
  if (run.code !== 0) throw toolFailure('flyer-sort', run);
  const report = lastJsonLine<{ records: number; counts: number[] }>(run.stdout);
  return { records: report.records, counts: report.counts, files: report.counts.map((_, p) => partPath(options.outDir, p)) };
}

/** Samples keys of `inputs` and writes parts-1 boundary keys to `out`, for skewed inputs. */
export async function sampleSplitters(inputs: readonly string[], options: { parts: number; out: string; samples?: number }): Promise<void> {
  const run = await runTool('flyer-sort', ['splitters', ...inputs, '--parts', String(options.parts), '--out', options.out,
    ...(options.samples ? ['--samples', String(options.samples)] : [])]);
  if (run.code !== 0) throw toolFailure('flyer-sort', run);
}
