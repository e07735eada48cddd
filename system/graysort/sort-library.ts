/**
 * The GraySort engine on records already in memory: partition, sort and summarise Uint8Arrays through
 * libflyer_sort_tools.so (the sort-tools crate's C ABI, system/native/sort-tools/src/ffi.rs) loaded
 * with koffi. Same algorithms and bytes as the flyer-sort / flyer-valsort processes, without copying
 * data to scratch files: the library reads the caller's buffers in place and writes into one output.
 * Every call uses koffi's async form, so the work runs on a koffi worker thread (plus the library's own
 * threads) while the event loop keeps running.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import koffi, { type LibraryHandle } from 'koffi';
import { FlyerError } from '../env/errors.ts';
import { sortToolsCrateDir, sortToolsDir } from './native-tools.ts';
import type { KeySpace } from './sort-engine.ts';
import { SUMMARY_BYTES } from './summary.ts';

export const SORT_LIBRARY_ABI_VERSION = 1;
export const SORT_LIBRARY_FILE = 'libflyer_sort_tools.so';
export const RECORD_BYTES = 100;
/** The library's limits (ffi.rs): beyond them it answers -2 instead of allocating or spawning wildly. */
const MAX_PARTS = 1 << 20;
export const MAX_THREADS = 1024;
/** A sort entry numbers its input in 16 bits. */
export const MAX_SORT_INPUTS = 1 << 16;
const KEY_SPACE_CODES: Record<KeySpace, number> = { binary: 0, ascii: 1 };

/** koffi's async form: the same arguments plus a node-style callback. */
interface AsyncCall<A extends unknown[], R> {
  (...args: A): R;
  async(...args: [...A, (error: unknown, result: R) => void]): void;
}

export interface SortLibrary {
  readonly path: string;
  fst_abi_version(): number;
  fst_partition: AsyncCall<[input: Uint8Array, len: number, parts: number, keySpace: number, out: Uint8Array, outLen: number, countsOut: BigUint64Array], number>;
  fst_sort: AsyncCall<[inputs: Uint8Array[], lens: number[], nInputs: number, out: Uint8Array, outLen: number, threads: number, statsOut: Float64Array], number>;
  fst_summary: AsyncCall<[data: Uint8Array, len: number, threads: number, out: Uint8Array], number>;
  // The streaming sort (ffi_stream.rs, used by sort-stream.ts).
  fst_sort_order: AsyncCall<[inputs: Uint8Array[], lens: number[], nInputs: number, threads: number, jobOut: BigUint64Array, recordsOut: BigUint64Array, statsOut: Float64Array], number>;
  fst_sort_gather: AsyncCall<[job: bigint, firstRecord: number, records: number, out: Uint8Array, outLen: number, threads: number, summaryOut: Uint8Array], number>;
  fst_sort_free(job: bigint): void;
  fst_summary_merge(first: Uint8Array, next: Uint8Array, out: Uint8Array): number;
}

const SIGNATURES = [
  'uint32_t fst_abi_version()',
  'int32_t fst_partition(const uint8_t *input, size_t len, uint32_t parts, uint32_t key_space, uint8_t *out, size_t out_len, uint64_t *counts_out)',
  'int32_t fst_sort(const uint8_t **inputs, const size_t *lens, uint32_t n_inputs, uint8_t *out, size_t out_len, uint32_t threads, double *stats_out)',
  'int32_t fst_summary(const uint8_t *data, size_t len, uint32_t threads, uint8_t *out)',
  'int32_t fst_sort_order(const uint8_t **inputs, const size_t *lens, uint32_t n_inputs, uint32_t threads, uint64_t *job_out, uint64_t *records_out, double *stats_out)',
  'int32_t fst_sort_gather(uint64_t job, uint64_t first_record, uint64_t records, uint8_t *out, size_t out_len, uint32_t threads, uint8_t *summary_out)',
  'void fst_sort_free(uint64_t job)',
  'int32_t fst_summary_merge(const uint8_t *first, const uint8_t *next, uint8_t *out)',
];

/** Per path, so FLYER_SORT_TOOLS_DIR can point elsewhere later in the same process. */
const loaded = new Map<string, SortLibrary>();

/** The library next to the sort binaries, loaded once; SORT_TOOLS_UNAVAILABLE says how to build it. */
export function loadSortLibrary(): SortLibrary {
  const path = join(sortToolsDir(), SORT_LIBRARY_FILE);
  const cached = loaded.get(path);
  if (cached) return cached;
  if (!existsSync(path)) {
    throw new FlyerError('SORT_TOOLS_UNAVAILABLE', `${path} does not exist; build it with \`npm run build:native\` ` +
      `(cargo build --release --offline in ${sortToolsCrateDir})`);
  }
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (error) {
    throw new FlyerError('SORT_TOOLS_UNAVAILABLE', `cannot load ${path}: ${(error as Error).message}; rebuild it with \`npm run build:native\``, { cause: error });
  }
  const functions: Record<string, unknown> = { path };
  for (const signature of SIGNATURES) {
    const name = /\b(fst_\w+)\(/.exec(signature)![1]!;
    functions[name] = lib.func(signature);
  }
  const native = functions as unknown as SortLibrary;
  const abi = native.fst_abi_version();
  if (abi !== SORT_LIBRARY_ABI_VERSION) {
    throw new FlyerError('SORT_TOOLS_UNAVAILABLE', `${path} speaks ABI ${abi}, this wrapper ${SORT_LIBRARY_ABI_VERSION}: rebuild it with \`npm run build:native\``);
  }
  loaded.set(path, native);
  return native;
}

/**
 * Runs one async library call. The callback closure holds `keepAlive` (every buffer the call reads or
 * writes), so none can be collected while the native side still uses its memory.
 */
export function callAsync<A extends unknown[]>(fn: AsyncCall<A, number>, args: A, keepAlive: readonly unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (error: unknown, rc: number) => {
      void keepAlive; // referenced here so the closure, which koffi holds until now, keeps the buffers alive
      if (error) reject(new FlyerError('SORT_TOOL_FAILED', `${SORT_LIBRARY_FILE} call failed: ${(error as Error).message}`, { cause: error }));
      else resolve(rc);
    });
  });
}

/** A negative return code as a coded error (ffi.rs documents the codes). */
export function codeFailure(fn: string, rc: number): FlyerError {
  switch (rc) {
    case -1: return new FlyerError('SORT_INVALID_INPUT', `${fn}: a buffer is not a multiple of the ${RECORD_BYTES}-byte record size`);
    case -2: return new FlyerError('INVALID_ARGUMENT', `${fn} rejected its arguments (code -2)`);
    default: return new FlyerError('SORT_TOOL_FAILED', `${fn} failed with code ${rc}`);
  }
}

export function checkRecords(what: string, data: Uint8Array): void {
  if (!(data instanceof Uint8Array)) throw new FlyerError('INVALID_ARGUMENT', `${what} must be a Uint8Array`);
  if (data.length % RECORD_BYTES !== 0) {
    throw new FlyerError('SORT_INVALID_INPUT', `${what} is ${data.length} bytes, not a multiple of the ${RECORD_BYTES}-byte record size`);
  }
}

export function checkCount(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new FlyerError('INVALID_ARGUMENT', `${what} must be an integer in 1..${max}, got ${value}`);
}

/** Whether two non-empty views share a byte (the library never writes over its input). */
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.length > 0 && b.length > 0 &&
    a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** An output view of exactly `bytes`: the caller's buffer (at least that long) or a new one. */
function outputView(what: string, bytes: number, out: Uint8Array | undefined, inputs: readonly Uint8Array[]): Uint8Array {
  if (out === undefined) return Buffer.allocUnsafeSlow(bytes); // the library writes every byte
  if (!(out instanceof Uint8Array) || out.length < bytes) {
    throw new FlyerError('INVALID_ARGUMENT', `${what} output must be a Uint8Array of at least ${bytes} bytes, got ${out instanceof Uint8Array ? out.length : typeof out}`);
  }
  const view = out.subarray(0, bytes);
  if (inputs.some((input) => overlaps(input, view))) throw new FlyerError('INVALID_ARGUMENT', `${what} output overlaps an input`);
  return view;
}

export interface InMemoryPartition {
  /** The input's records grouped by part (part 0 first, input order within a part): a view of exactly input.length bytes. */
  readonly grouped: Uint8Array;
  /** Records per part. */
  readonly counts: number[];
  /** Byte offset of each part in `grouped`, parts + 1 entries: part p is grouped[offsets[p], offsets[p + 1]). */
  readonly offsets: number[];
}

/**
 * Splits records by key range into `parts` parts, as partitionRecords (flyer-sort partition) does with
 * the same key space: part p of the result is byte-identical to its part-p file. `out` (at least
 * input.length bytes, not overlapping the input) lets a caller reuse one buffer.
 */
export async function partitionRecordsInMemory(input: Uint8Array, parts: number, keySpace: KeySpace, out?: Uint8Array): Promise<InMemoryPartition> {
  checkRecords('partition input', input);
  checkCount('parts', parts, MAX_PARTS);
  const space = KEY_SPACE_CODES[keySpace];
  if (space === undefined) throw new FlyerError('INVALID_ARGUMENT', `key space must be binary or ascii, got ${String(keySpace)}`);
  const lib = loadSortLibrary();
  const grouped = outputView('partition', input.length, out, [input]);
  const counts = new BigUint64Array(parts);
  const rc = await callAsync(lib.fst_partition, [input, input.length, parts, space, grouped, grouped.length, counts], [input, grouped, counts]);
  if (rc !== 0) throw codeFailure('fst_partition', rc);
  const recordCounts = Array.from(counts, Number);
  const offsets = [0];
  for (const c of recordCounts) offsets.push(offsets[offsets.length - 1]! + c * RECORD_BYTES);
  return { grouped, counts: recordCounts, offsets };
}

export interface InMemorySortStats {
  /** Building the 16-byte sort entries from the inputs. */
  readonly loadSec: number;
  /** Radix scatter and bucket sorts. */
  readonly sortSec: number;
  /** Copying the records in order into the output. */
  readonly gatherSec: number;
  readonly totalSec: number;
}

export interface InMemorySortOptions {
  readonly threads: number;
  /** Where to write: at least the inputs' total length, overlapping none of them. */
  readonly out?: Uint8Array;
}

/**
 * Sorts the concatenation of `inputs` by key (stable: equal keys keep input order), byte-identical to
 * sortRecords (flyer-sort sort) of the same inputs as files, in that order.
 */
export async function sortRecordsInMemory(inputs: readonly Uint8Array[], options: InMemorySortOptions): Promise<{ sorted: Uint8Array; stats: InMemorySortStats }> {
  if (inputs.length === 0) throw new FlyerError('INVALID_ARGUMENT', 'sort needs at least one input buffer');
  if (inputs.length > MAX_SORT_INPUTS) throw new FlyerError('INVALID_ARGUMENT', `${inputs.length} inputs exceed one sort's limit of ${MAX_SORT_INPUTS}`);
  inputs.forEach((input, i) => checkRecords(`sort input ${i}`, input));
  checkCount('threads', options.threads, MAX_THREADS);
  const lib = loadSortLibrary();
  const total = inputs.reduce((sum, input) => sum + input.length, 0);
  const sorted = outputView('sort', total, options.out, inputs);
  const list = [...inputs];
  const lens = list.map((input) => input.length);
  const stats = new Float64Array(4);
  const rc = await callAsync(lib.fst_sort, [list, lens, list.length, sorted, sorted.length, options.threads, stats], [list, sorted, stats]);
  if (rc !== 0) throw codeFailure('fst_sort', rc);
  return { sorted, stats: { loadSec: stats[0]!, sortSec: stats[1]!, gatherSec: stats[2]!, totalSec: stats[3]! } };
}

/**
 * valsort's 280-byte summary of the records (what `valsort -o` writes for them as a file), computed on
 * `threads` threads. There is no summary of zero records, as with valsort.
 */
export async function summarizeRecordsInMemory(data: Uint8Array, threads: number): Promise<Uint8Array> {
  checkRecords('summary input', data);
  if (data.length === 0) throw new FlyerError('SORT_INVALID_INPUT', 'summary input holds no records');
  checkCount('threads', threads, MAX_THREADS);
  const lib = loadSortLibrary();
  const out = new Uint8Array(SUMMARY_BYTES);
  const rc = await callAsync(lib.fst_summary, [data, data.length, threads, out], [data, out]);
  if (rc !== 0) throw codeFailure('fst_summary', rc);
  return out;
}
