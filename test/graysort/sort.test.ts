/** The native sort engine (GraySort phase 2): outputs equal a reference stable sort and pass valsort with the input's checksum. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { gensort } from '../../system/graysort/gensort.ts';
import { sortRecords } from '../../system/graysort/sort-engine.ts';
import { expectValidSort, valsort } from '../../system/graysort/valsort.ts';
import { expectToolFailures, RECORD_BYTES, referenceSort, testDir } from './helpers.ts';

test('binary records: byte-identical to a reference stable sort; valsort: in order, input checksum', async (t) => {
  const dir = testDir(t, 'sort-binary');
  const input = join(dir, 'in.dat');
  const output = join(dir, 'out.dat');
  const gen = await gensort(input, { records: 50_000 });
  const stats = await sortRecords([input], output);
  t.is(stats.records, 50_000);
  t.is(stats.bytes, 50_000 * RECORD_BYTES);
  t.true(stats.totalSec >= 0 && stats.loadSec >= 0 && stats.sortSec >= 0 && stats.writeSec >= 0);
  t.true(readFileSync(output).equals(referenceSort(readFileSync(input))));
  const report = await valsort(output);
  t.notThrows(() => expectValidSort(report, gen.checksum, 50_000n));
});

test('ASCII records from several inputs, one thread or two, O_DIRECT or buffered: the same sorted bytes', async (t) => {
  const dir = testDir(t, 'sort-ascii');
  const parts = [join(dir, 'a.dat'), join(dir, 'b.dat'), join(dir, 'c.dat')];
  const a = await gensort(parts[0]!, { records: 30_000, ascii: true });
  const b = await gensort(parts[1]!, { records: 1, start: 30_000, ascii: true });
  const c = await gensort(parts[2]!, { records: 20_001, start: 30_001, ascii: true });
  const whole = join(dir, 'whole.dat');
  const gen = await gensort(whole, { records: 50_002, ascii: true });
  t.is(a.checksum + b.checksum + c.checksum, gen.checksum, 'ranges concatenate');
  const expected = referenceSort(readFileSync(whole));
  const variants = [{}, { threads: 1 }, { buffered: true }, { threads: 2, sync: true }];
  for (const options of variants) {
    const out = join(dir, 'out.dat');
    await sortRecords(parts, out, options);
    t.true(readFileSync(out).equals(expected), JSON.stringify(options));
  }
  const report = await valsort(join(dir, 'out.dat'));
  t.notThrows(() => expectValidSort(report, gen.checksum, 50_002n));
});

test('equal keys keep their input order (stable), and valsort counts them', async (t) => {
  const dir = testDir(t, 'sort-stable');
  const input = join(dir, 'in.dat');
  // 20,000 records over only 50 distinct keys, payload = input position: stability is visible.
  const buf = Buffer.alloc(20_000 * RECORD_BYTES);
  let x = 12345;
  for (let r = 0; r < 20_000; r++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const key = (x >>> 8) % 50;
    buf.fill(key, r * RECORD_BYTES, r * RECORD_BYTES + 10);
    buf.writeUInt32BE(r, r * RECORD_BYTES + 50);
  }
  writeFileSync(input, buf);
  const output = join(dir, 'out.dat');
  await sortRecords([input], output);
  t.true(readFileSync(output).equals(referenceSort(buf)));
  const report = await valsort(output);
  t.true(report.inOrder);
  t.is(report.duplicates, BigInt(20_000 - 50));
});

test('an empty input sorts to an empty output', async (t) => {
  const dir = testDir(t, 'sort-empty');
  const input = join(dir, 'in.dat');
  writeFileSync(input, Buffer.alloc(0));
  const output = join(dir, 'out.dat');
  const stats = await sortRecords([input], output);
  t.is(stats.records, 0);
  t.is(statSync(output).size, 0);
});

test('bad input and bad arguments: coded errors, clear messages, nonzero exits', async (t) => {
  const dir = testDir(t, 'sort-bad');
  const partial = join(dir, 'partial.dat');
  writeFileSync(partial, Buffer.alloc(150));
  await t.throwsAsync(sortRecords([partial], join(dir, 'out.dat')), { message: /FLYER_ERR_SORT_INVALID_INPUT: .*150 bytes, not a multiple/ });
  await t.throwsAsync(sortRecords([join(dir, 'nope.dat')], join(dir, 'out.dat')), { message: /FLYER_ERR_SORT_TOOL_FAILED: .*can't open/ });
  await t.throwsAsync(sortRecords([], join(dir, 'out.dat')), { message: /FLYER_ERR_INVALID_ARGUMENT/ });
  const usage: Array<[string[], RegExp]> = [
    [[], /missing command/],
    [['shuffle'], /unknown command 'shuffle'/],
    [['sort', partial], /at least one input and an output/],
    [['sort', '--threads', '0', partial, 'x'], /--threads must be a positive integer/],
    [['sort', '--bogus', partial, 'x'], /unknown option '--bogus'/],
  ];
  for (const run of expectToolFailures(t, 'flyer-sort', 2, usage)) t.regex(run.stderr, /usage: flyer-sort sort/);
});
