/**
 * The streaming sort (SortedRecords, ffi_stream.rs): block-by-block gathering gives the bytes of the
 * one-piece in-memory sort, the running summary is valsort's summary of the whole output, and misuse
 * (overlapping gathers, gathering past the end or after close) is refused with coded errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { gensort } from '../../system/graysort/gensort.ts';
import { sortRecordsInMemory, summarizeRecordsInMemory } from '../../system/graysort/sort-library.ts';
import { SortedRecords } from '../../system/graysort/sort-stream.ts';
import { RECORD_BYTES, testDir } from './helpers.ts';

async function records(dir: string, name: string, count: number, start: number): Promise<Buffer> {
  const path = join(dir, name);
  await gensort(path, { records: count, start, ascii: true });
  return readFileSync(path);
}

test('gathering the order in blocks gives the one-piece sort, and the merged summary is the whole output\'s', async (t) => {
  const dir = testDir(t, 'sort-stream');
  const inputs = [await records(dir, 'a.dat', 30_000, 0), await records(dir, 'b.dat', 21_111, 5_000_000)];
  const { sorted: whole } = await sortRecordsInMemory(inputs, { threads: 2 });
  const wholeSummary = await summarizeRecordsInMemory(whole, 2);

  const sorted = await SortedRecords.sort(inputs, 2);
  t.is(sorted.records, whole.length / RECORD_BYTES);
  const block = Buffer.alloc(7_001 * RECORD_BYTES);
  const parts: Buffer[] = [];
  try {
    while (sorted.remaining > 0) parts.push(Buffer.from(await sorted.gatherNext(Math.min(7_001, sorted.remaining), block)));
    await t.throwsAsync(sorted.gatherNext(1, block), { code: 'INVALID_ARGUMENT' }, 'nothing left to gather');
  } finally {
    sorted.close();
  }
  sorted.close(); // idempotent
  t.true(Buffer.concat(parts).equals(Buffer.from(whole)), 'blocks concatenated equal the one-piece sort');
  t.deepEqual(Buffer.from(sorted.summary!), Buffer.from(wholeSummary));
  await t.throwsAsync(sorted.gatherNext(1, block), { code: 'INVALID_ARGUMENT' }, 'no gather after close');
});

test('two gathers at once are refused (the running summary follows output order); a short buffer too', async (t) => {
  const dir = testDir(t, 'sort-stream-misuse');
  const sorted = await SortedRecords.sort([await records(dir, 'a.dat', 10_000, 0)], 1);
  try {
    const first = sorted.gatherNext(5_000, Buffer.alloc(5_000 * RECORD_BYTES));
    await t.throwsAsync(sorted.gatherNext(10, Buffer.alloc(10 * RECORD_BYTES)), { code: 'INVALID_ARGUMENT' });
    await first;
    await t.throwsAsync(sorted.gatherNext(10, Buffer.alloc(9 * RECORD_BYTES)), { code: 'INVALID_ARGUMENT' });
    t.is(sorted.remaining, 5_000);
  } finally {
    sorted.close();
  }
});
