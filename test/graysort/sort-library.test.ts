/**
 * The in-memory sort library (libflyer_sort_tools.so through koffi) against the file-based tools it
 * must agree with byte for byte: partitionRecords' part files, sortRecords' output and valsort -o's
 * summary, on gensort records; and its coded errors for bad input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { FlyerError, type ErrorCode } from '../../system/env/errors.ts';
import { gensort } from '../../system/graysort/gensort.ts';
import { partitionRecordsInMemory, sortRecordsInMemory, summarizeRecordsInMemory } from '../../system/graysort/sort-library.ts';
import { partitionRecords, sortRecords } from '../../system/graysort/sort-engine.ts';
import { valsort } from '../../system/graysort/valsort.ts';
import { RECORD_BYTES, testDir } from './helpers.ts';

/** A few MB of gensort records: more than one of the library's 4 MB gather and summary blocks. */
const RECORDS = 50_000;

/** Writes gensort records [start, start + records) to `dir/name` and returns the path and bytes. */
async function generated(dir: string, name: string, records: number, options: { start?: number; ascii?: boolean } = {}): Promise<{ path: string; data: Buffer }> {
  const path = join(dir, name);
  await gensort(path, { records, start: options.start ?? 0, ascii: options.ascii ?? false });
  return { path, data: readFileSync(path) };
}

/** A view of `data` at a non-zero offset into a larger buffer, so the library must honour byteOffset. */
function offsetView(data: Uint8Array): Uint8Array {
  const holder = new Uint8Array(data.length + 300);
  holder.set(data, 300);
  return holder.subarray(300);
}

for (const c of [{ keySpace: 'binary', ascii: false, parts: 7 }, { keySpace: 'ascii', ascii: true, parts: 300 }] as const) {
  test(`partitionRecordsInMemory (${c.keySpace}, ${c.parts} parts) equals partitionRecords part for part`, async (t) => {
    const dir = testDir(t, 'sortlib-partition');
    const input = await generated(dir, 'in.dat', RECORDS, { ascii: c.ascii });
    const files = await partitionRecords(input.path, { parts: c.parts, outDir: join(dir, 'parts'), keySpace: c.keySpace });
    const memory = await partitionRecordsInMemory(offsetView(input.data), c.parts, c.keySpace);
    t.deepEqual(memory.counts, files.counts);
    t.is(memory.offsets.length, c.parts + 1);
    t.is(memory.offsets[c.parts], input.data.length);
    t.is(memory.grouped.length, input.data.length);
    for (const [p, file] of files.files.entries()) {
      const part = Buffer.from(memory.grouped.subarray(memory.offsets[p], memory.offsets[p + 1]));
      if (!part.equals(readFileSync(file))) {
        t.fail(`part ${p} differs from ${file}`);
        return;
      }
    }
    t.pass();
  });
}

test('partitionRecordsInMemory writes into a caller buffer and returns a view of exactly the input length', async (t) => {
  const dir = testDir(t, 'sortlib-partition-out');
  const input = await generated(dir, 'in.dat', 1000);
  const out = new Uint8Array(input.data.length + 500).fill(0xee);
  const result = await partitionRecordsInMemory(input.data, 3, 'binary', out);
  t.is(result.grouped.buffer, out.buffer);
  t.is(result.grouped.length, input.data.length);
  t.true(out.subarray(input.data.length).every((b) => b === 0xee), 'nothing written past the input length');
  t.deepEqual(result.offsets, [0, result.counts[0]! * RECORD_BYTES, (result.counts[0]! + result.counts[1]!) * RECORD_BYTES, input.data.length]);
});

test('sortRecordsInMemory of 2 buffers is byte-identical to sortRecords of the same 2 files', async (t) => {
  const dir = testDir(t, 'sortlib-sort');
  const first = await generated(dir, 'a.dat', 30_000);
  const second = await generated(dir, 'b.dat', RECORDS - 30_000, { start: 30_000 });
  const out = join(dir, 'sorted.dat');
  await sortRecords([first.path, second.path], out, { threads: 2, buffered: true });
  const { sorted, stats } = await sortRecordsInMemory([offsetView(first.data), second.data], { threads: 2 });
  t.is(sorted.length, RECORDS * RECORD_BYTES);
  t.true(Buffer.from(sorted).equals(readFileSync(out)), 'sorted bytes differ from flyer-sort');
  t.true(stats.totalSec >= stats.loadSec && stats.loadSec >= 0 && stats.sortSec >= 0 && stats.gatherSec >= 0, JSON.stringify(stats));
});

test('sortRecordsInMemory breaks key ties by input order, as sortRecords does', async (t) => {
  const dir = testDir(t, 'sortlib-ties');
  const first = await generated(dir, 'a.dat', 20_000, { ascii: true });
  // The same keys with other payloads in the second input: every key appears twice, once per input.
  const second = Buffer.from(first.data);
  for (let at = 0; at < second.length; at += RECORD_BYTES) second.fill(0x41 + ((at / RECORD_BYTES) % 26), at + 10, at + 98);
  const secondPath = join(dir, 'b.dat');
  writeFileSync(secondPath, second);
  const out = join(dir, 'sorted.dat');
  await sortRecords([secondPath, first.path], out, { threads: 2, buffered: true });
  const { sorted } = await sortRecordsInMemory([second, first.data], { threads: 3 });
  const expected = readFileSync(out);
  t.true(Buffer.from(sorted).equals(expected), 'tie order differs from flyer-sort');
  // Every key is in both inputs, so records 2i and 2i+1 tie: input 0's (payload rewritten, byte 10 a
  // letter) must come first, gensort's own (byte 10 a space) second.
  const misordered = [];
  for (let i = 0; i < sorted.length / RECORD_BYTES; i += 2) {
    if (sorted[i * RECORD_BYTES + 10] === 0x20 || sorted[(i + 1) * RECORD_BYTES + 10] !== 0x20) misordered.push(i);
  }
  t.deepEqual(misordered.slice(0, 5), [], 'ties in input order');
});

test('summarizeRecordsInMemory equals the summary valsort -o writes for the same records', async (t) => {
  const dir = testDir(t, 'sortlib-summary');
  const input = await generated(dir, 'in.dat', RECORDS);
  const sortedPath = join(dir, 'sorted.dat');
  await sortRecords([input.path], sortedPath, { buffered: true });
  for (const path of [input.path, sortedPath]) {
    const summaryPath = `${path}.sum`;
    await valsort(path, { summaryOut: summaryPath, threads: 2 });
    const memory = await summarizeRecordsInMemory(offsetView(readFileSync(path)), 2);
    t.true(Buffer.from(memory).equals(readFileSync(summaryPath)), `summary of ${path} differs from valsort -o`);
  }
});

test('bad input rejects with coded errors before reaching the library', async (t) => {
  const odd = new Uint8Array(150);
  const records = new Uint8Array(1000);
  const coded = async (promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> => {
    const error = await t.throwsAsync(promise, { instanceOf: FlyerError });
    t.is(error?.code, code);
    t.regex(error?.message ?? '', message);
  };
  await coded(partitionRecordsInMemory(odd, 4, 'binary'), 'SORT_INVALID_INPUT', /150 bytes, not a multiple of the 100-byte record size/);
  await coded(partitionRecordsInMemory(records, 0, 'binary'), 'INVALID_ARGUMENT', /parts must be an integer/);
  await coded(partitionRecordsInMemory(records, 2, 'binary', new Uint8Array(900)), 'INVALID_ARGUMENT', /at least 1000 bytes/);
  await coded(partitionRecordsInMemory(records, 2, 'binary', records), 'INVALID_ARGUMENT', /overlaps an input/);
  await coded(sortRecordsInMemory([records, odd], { threads: 1 }), 'SORT_INVALID_INPUT', /sort input 1 is 150 bytes/);
  await coded(sortRecordsInMemory([records], { threads: 0 }), 'INVALID_ARGUMENT', /threads must be an integer/);
  await coded(sortRecordsInMemory([], { threads: 1 }), 'INVALID_ARGUMENT', /at least one input/);
  await coded(summarizeRecordsInMemory(new Uint8Array(0), 1), 'SORT_INVALID_INPUT', /no records/);
  await coded(summarizeRecordsInMemory(odd, 1), 'SORT_INVALID_INPUT', /not a multiple/);
});

test('a missing library is SORT_TOOLS_UNAVAILABLE naming npm run build:native', async (t) => {
  const dir = testDir(t, 'sortlib-missing');
  const saved = process.env.FLYER_SORT_TOOLS_DIR;
  process.env.FLYER_SORT_TOOLS_DIR = dir;
  // The library is looked up synchronously inside the call, so other tests never see this directory.
  const pending = summarizeRecordsInMemory(new Uint8Array(100), 1);
  if (saved === undefined) delete process.env.FLYER_SORT_TOOLS_DIR;
  else process.env.FLYER_SORT_TOOLS_DIR = saved;
  const error = await t.throwsAsync(pending, { instanceOf: FlyerError });
  t.is(error?.code, 'SORT_TOOLS_UNAVAILABLE');
  t.regex(error?.message ?? '', /libflyer_sort_tools\.so does not exist; build it with `npm run build:native`/);
});
