/** flyer valsort: verdicts, messages, exit codes and summaries (valsort 1.5's -o / -s). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { gensort } from '../../system/graysort/gensort.ts';
import { decodeSummaries, decodeSummary } from '../../system/graysort/summary.ts';
import { concatSummaries, expectValidSort, valsort, valsortSummaries } from '../../system/graysort/valsort.ts';
import { expectToolFailures, RECORD_BYTES, referenceSort, testDir, tool } from './helpers.ts';

test('an unsorted gensort file: first unordered record, count, checksum, exit 1', async (t) => {
  const dir = testDir(t, 'valsort-unsorted');
  const file = join(dir, 'in.dat');
  const gen = await gensort(file, { records: 10 });
  t.is(gen.checksumHex, '55fea8a1a');
  const run = tool('flyer-valsort', [file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /^First unordered record is record 2$/m);
  t.regex(run.stderr, /^Records: 10$/m);
  t.regex(run.stderr, /^Checksum: 55fea8a1a$/m);
  t.regex(run.stderr, /^ERROR - there are 4 unordered records$/m);
  const report = await valsort(file);
  t.false(report.inOrder);
  t.is(report.unordered, 4n);
  t.is(report.firstUnordered, 2n);
  t.throws(() => expectValidSort(report), { message: /FLYER_ERR_VALSORT_UNORDERED/ });
});

test('a sorted file: SUCCESS, no duplicates, the input checksum, exit 0; -q prints nothing', async (t) => {
  const dir = testDir(t, 'valsort-sorted');
  const file = join(dir, 'in.dat');
  const sorted = join(dir, 'sorted.dat');
  const gen = await gensort(file, { records: 5000 });
  writeFileSync(sorted, referenceSort(readFileSync(file)));
  const run = tool('flyer-valsort', [sorted]);
  t.is(run.code, 0);
  t.is(run.stderr, `Records: 5000\nChecksum: ${gen.checksumHex}\nDuplicate keys: 0\nSUCCESS - all records are in order\n`);
  const quiet = tool('flyer-valsort', ['-q', sorted]);
  t.is(quiet.code, 0);
  t.is(quiet.stderr, '');
  const quietBad = tool('flyer-valsort', ['-q', file]);
  t.is(quietBad.code, 1);
  t.regex(quietBad.stderr, /^ERROR - there are \d+ unordered records$/m);
  t.notRegex(quietBad.stderr, /Records:/);
  const report = await valsort(sorted);
  t.notThrows(() => expectValidSort(report, gen.checksum, 5000n));
  t.throws(() => expectValidSort(report, gen.checksum + 1n), { message: /FLYER_ERR_VALSORT_CHECKSUM_MISMATCH/ });
});

test('duplicate keys are counted, not errors', async (t) => {
  const dir = testDir(t, 'valsort-dups');
  const file = join(dir, 'in.dat');
  await gensort(file, { records: 1000 });
  const buf = referenceSort(readFileSync(file));
  // Three runs of equal keys: records 10-11 (1 duplicate), 500-503 (3 duplicates), 998-999 (1).
  for (const [from, to] of [[10, 11], [500, 503], [998, 999]] as const) {
    for (let r = from + 1; r <= to; r++) buf.copy(buf, r * RECORD_BYTES, from * RECORD_BYTES, from * RECORD_BYTES + 10);
  }
  writeFileSync(file, buf);
  const run = tool('flyer-valsort', [file]);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /^Duplicate keys: 5$/m);
  t.regex(run.stderr, /^SUCCESS - all records are in order$/m);
  t.is((await valsort(file)).duplicates, 5n);
});

test('-i compares ASCII keys case-insensitively', async (t) => {
  const dir = testDir(t, 'valsort-case');
  const file = join(dir, 'in.dat');
  const rec = (key: string): Buffer => Buffer.from(key.padEnd(98, ' ') + '\r\n', 'latin1');
  writeFileSync(file, Buffer.concat([rec('apple'), rec('Banana'), rec('cherry')]));
  t.is(tool('flyer-valsort', [file]).code, 1, 'bytes: "a" (0x61) > "B" (0x42)');
  const folded = tool('flyer-valsort', ['-i', file]);
  t.is(folded.code, 0, folded.stderr);
});

test('-o writes a 280-byte summary; -s validates concatenated summaries like the whole file', async (t) => {
  const dir = testDir(t, 'valsort-summary');
  const file = join(dir, 'in.dat');
  const gen = await gensort(file, { records: 20_000 });
  const sorted = referenceSort(readFileSync(file));
  const cuts = [0, 7000, 7001, 20_000];
  const sums: string[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const part = join(dir, `part${i}.dat`);
    writeFileSync(part, sorted.subarray(cuts[i]! * RECORD_BYTES, cuts[i + 1]! * RECORD_BYTES));
    sums.push(join(dir, `part${i}.sum`));
    const report = await valsort(part, { summaryOut: sums[i]! });
    t.true(report.inOrder);
    const summary = decodeSummary(readFileSync(sums[i]!));
    t.is(summary.records, BigInt(cuts[i + 1]! - cuts[i]!));
    t.is(summary.checksum, report.checksum);
    t.deepEqual(summary.firstRecord, sorted.subarray(cuts[i]! * RECORD_BYTES, (cuts[i]! + 1) * RECORD_BYTES));
  }
  const all = join(dir, 'all.sum');
  await concatSummaries(sums, all);
  t.is(decodeSummaries(readFileSync(all)).length, 3);
  const run = tool('flyer-valsort', ['-s', all]);
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, `Records: 20000\nChecksum: ${gen.checksumHex}\nDuplicate keys: 0\nSUCCESS - all records are in order\n`);
  const whole = await valsortSummaries(all);
  t.notThrows(() => expectValidSort(whole, gen.checksum, 20_000n));

  // Partitions out of order: the boundary is the first unordered record, at its global index.
  const swapped = join(dir, 'swapped.sum');
  await concatSummaries([sums[2]!, sums[0]!, sums[1]!], swapped);
  const bad = tool('flyer-valsort', ['-s', swapped]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^First unordered record is record 12999$/m, 'part 2 holds 12,999 records, then part 0 starts');
  t.regex(bad.stderr, /^ERROR - there are 1 unordered records$/m);
  t.regex(bad.stderr, new RegExp(`^Checksum: ${gen.checksumHex}$`, 'm'));
});

test('bad input and bad arguments: a clear message and a nonzero exit', async (t) => {
  const dir = testDir(t, 'valsort-bad');
  const partial = join(dir, 'partial.dat');
  writeFileSync(partial, Buffer.alloc(250));
  const empty = join(dir, 'empty.dat');
  writeFileSync(empty, Buffer.alloc(0));
  const cases: Array<[string[], RegExp]> = [
    [[], /expected one FILE_NAME/],
    [['-z', partial], /unknown option '-z'/],
    [['a', 'b'], /expected one FILE_NAME, got 2/],
    [[partial], /250 bytes, not a multiple of the 100-byte record size/],
    [[empty], /holds no records/],
    [[join(dir, 'missing.dat')], /can't open .*missing\.dat/],
    [['-s', partial], /not a non-empty multiple of the 280-byte summary size/],
    [['-t0', partial], /thread count must be 1\.\.1024/],
    [['-o'], /-o needs a value/],
  ];
  expectToolFailures(t, 'flyer-valsort', 1, cases);
  await t.throwsAsync(valsort(partial), { message: /FLYER_ERR_SORT_INVALID_INPUT/ });
  await t.throwsAsync(valsort(join(dir, 'missing.dat')), { message: /FLYER_ERR_SORT_TOOL_FAILED: .*can't open/ });
});

test('gensort: bad arguments give a clear message and exit 1', (t) => {
  const cases: Array<[string[], RegExp]> = [
    [[], /expected NUM_RECS and FILE_NAME, got 0/],
    [['-x', '10', 'f'], /unknown option '-x'/],
    [['ten', '/dev/null'], /NUM_RECS must be a non-negative decimal integer, got 'ten'/],
    [['-b-1', '10', '/dev/null'], /starting record number \(-b\) must be a non-negative decimal integer/],
    [['10', '/dev/null,bogus'], /unknown file option 'bogus'/],
    [['10', '/nonexistent-dir/x.dat'], /can't create \/nonexistent-dir\/x\.dat/],
    [['-b340282366920938463463374607431768211455', '2', '/dev/null'], /exceeds 2\^128/],
  ];
  expectToolFailures(t, 'flyer-gensort', 1, cases);
  t.is(tool('flyer-gensort', ['10', '/dev/null,buf,trans=100m']).code, 0, 'SUMP file options are accepted');
});
