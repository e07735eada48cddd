/**
 * A sort whose output is produced block by block (libflyer_sort_tools.so's ffi_stream.rs): the order
 * is computed once, then each block of sorted records is gathered into a small caller buffer, with its
 * valsort summary, and can be written out while the next is gathered. A partition-sized output buffer
 * is never needed.
 *
 * @example
 * const sorted = await SortedRecords.sort(pieces, 2);
 * try {
 *   for (let first = 0; first < sorted.records; first += n) await write(await sorted.gather(first, n, block));
 * } finally { sorted.close(); }
 * sorted.summary; // valsort's summary of everything gathered, in order
 */
import { FlyerError } from '../env/errors.ts';
import { assert } from '../env/assert.ts';
import { callAsync, checkCount, checkRecords, codeFailure, loadSortLibrary, MAX_SORT_INPUTS, MAX_THREADS, RECORD_BYTES, type SortLibrary } from './sort-library.ts';
import { SUMMARY_BYTES } from './summary.ts';

export class SortedRecords {
  #job: bigint;
  #summary: Uint8Array | undefined;
  #nextRecord = 0;
  #gathering = false;

  private constructor(
    private readonly lib: SortLibrary,
    job: bigint,
    /** Kept referenced: the native order points into them until close. */
    private readonly inputs: readonly Uint8Array[],
    readonly records: number,
    readonly threads: number,
    readonly stats: { readonly loadSec: number; readonly sortSec: number },
  ) {
    this.#job = job;
  }

  /** Orders the records of `inputs` (stable: equal keys keep input order). The inputs must not change until close(). */
  static async sort(inputs: readonly Uint8Array[], threads: number): Promise<SortedRecords> {
    if (inputs.length === 0 || inputs.length > MAX_SORT_INPUTS) throw new FlyerError('INVALID_ARGUMENT', `a sort takes 1..${MAX_SORT_INPUTS} inputs, got ${inputs.length}`);
    inputs.forEach((input, i) => checkRecords(`sort input ${i}`, input));
    checkCount('threads', threads, MAX_THREADS);
    const lib = loadSortLibrary();
    const list = [...inputs];
    const job = new BigUint64Array(1);
    const records = new BigUint64Array(1);
    const stats = new Float64Array(2);
    const rc = await callAsync(lib.fst_sort_order, [list, list.map((input) => input.length), list.length, threads, job, records, stats], [list, job, records, stats]);
    if (rc !== 0) throw codeFailure('fst_sort_order', rc);
    return new SortedRecords(lib, job[0]!, list, Number(records[0]!), threads, { loadSec: stats[0]!, sortSec: stats[1]! });
  }

  /** valsort's summary of every record gathered so far (undefined before the first). */
  get summary(): Uint8Array | undefined {
    return this.#summary;
  }

  /**
   * Gathers the next `count` sorted records into `into` (returns the view of exactly those bytes).
   * Blocks must be gathered in order, one at a time, so the running summary covers the output in order.
   */
  async gatherNext(count: number, into: Uint8Array): Promise<Uint8Array> {
    if (this.#job === 0n) throw new FlyerError('INVALID_ARGUMENT', 'gather after close');
    if (this.#gathering) throw new FlyerError('INVALID_ARGUMENT', 'one gather at a time: the running summary follows the output order');
    checkCount('records to gather', count, this.records - this.#nextRecord);
    if (into.length < count * RECORD_BYTES) throw new FlyerError('INVALID_ARGUMENT', `a gather of ${count} records needs ${count * RECORD_BYTES} bytes, got ${into.length}`);
    const first = this.#nextRecord;
    this.#nextRecord += count;
    const out = into.subarray(0, count * RECORD_BYTES);
    const blockSummary = new Uint8Array(SUMMARY_BYTES);
    this.#gathering = true;
    let rc: number;
    try {
      rc = await callAsync(this.lib.fst_sort_gather, [this.#job, first, count, out, out.length, this.threads, blockSummary], [this.inputs, out, blockSummary]);
    } finally {
      this.#gathering = false;
    }
    if (rc !== 0) throw codeFailure('fst_sort_gather', rc);
    if (this.#summary === undefined) {
      this.#summary = blockSummary;
    } else {
      const merged = new Uint8Array(SUMMARY_BYTES);
      const mergedRc = this.lib.fst_summary_merge(this.#summary, blockSummary, merged);
      assert(mergedRc === 0, `fst_summary_merge failed with ${mergedRc}`);
      this.#summary = merged;
    }
    return out;
  }

  /** Records not gathered yet. */
  get remaining(): number {
    return this.records - this.#nextRecord;
  }

  /** Frees the native order; the inputs may change after this. Idempotent. */
  close(): void {
    if (this.#job === 0n) return;
    assert(!this.#gathering, 'close while a gather runs would free the order under it');
    this.lib.fst_sort_free(this.#job);
    this.#job = 0n;
  }
}
