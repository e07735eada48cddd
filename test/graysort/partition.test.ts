/** The partitioner (GraySort phase 1): parts hold disjoint, increasing key ranges, so sorted parts validate as one output. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { gensort } from '../../system/graysort/gensort.ts';
import { partitionRecords, sampleSplitters, sortRecords, type PartitionOptions } from '../../system/graysort/sort-engine.ts';
import { concatSummaries, expectValidSort, valsort, valsortSummaries } from '../../system/graysort/valsort.ts';
import { expectToolFailures, testDir, tool } from './helpers.ts';

/** Sorts every part, writes a summary per part and validates their concatenation: the whole GraySort check. */
async function sortPartsAndValidate(t: ExecutionContext, files: string[], dir: string, checksum: bigint, records: number): Promise<void> {
  const sums: string[] = [];
  for (const [p, file] of files.entries()) {
    const sorted = join(dir, `sorted-${p}.dat`);
    await sortRecords([file], sorted);
    if (statSync(sorted).size === 0) continue; // valsort needs at least one record
    const sum = join(dir, `sorted-${p}.sum`);
    t.true((await valsort(sorted, { summaryOut: sum })).inOrder);
    sums.push(sum);
  }
  const all = join(dir, 'all.sum');
  await concatSummaries(sums, all);
  const report = await valsortSummaries(all);
  t.notThrows(() => expectValidSort(report, checksum, BigInt(records)));
}

/** Largest part over the mean part size. */
function imbalance(counts: number[]): number {
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  return Math.max(...counts) / mean;
}

const cases: Array<{ name: string; ascii: boolean; parts: number; keySpace: PartitionOptions['keySpace'] }> = [
  { name: 'binary records, binary key space, 7 parts', ascii: false, parts: 7, keySpace: 'binary' },
  { name: 'ASCII records, ASCII key space, 5 parts', ascii: true, parts: 5, keySpace: 'ascii' },
];

for (const c of cases) {
  test(`${c.name}: sorted parts validate as one output with the input's checksum`, async (t) => {
    const dir = testDir(t, 'partition');
    const input = join(dir, 'in.dat');
    const records = 60_000;
    const gen = await gensort(input, { records, ascii: c.ascii });
    const result = await partitionRecords(input, { parts: c.parts, outDir: join(dir, 'parts'), keySpace: c.keySpace });
    t.is(result.records, records);
    t.is(result.counts.length, c.parts);
    t.is(result.counts.reduce((a, b) => a + b, 0), records);
    t.deepEqual(result.files.map((f) => statSync(f).size), result.counts.map((n) => n * 100));
    t.true(imbalance(result.counts) < (c.parts > 100 ? 1.6 : 1.1), `balanced: ${result.counts.join(',')}`);
    await sortPartsAndValidate(t, result.files, dir, gen.checksum, records);
  });
}

test('300 parts (more than the open-file budget): key ranges disjoint and increasing, no record lost', async (t) => {
  const dir = testDir(t, 'partition-many');
  const input = join(dir, 'in.dat');
  const gen = await gensort(input, { records: 30_000 });
  const result = await partitionRecords(input, { parts: 300, outDir: join(dir, 'parts') });
  let previousMax: Buffer | null = null;
  const all: Buffer[] = [];
  for (const file of result.files) {
    const data = readFileSync(file);
    all.push(data);
    let min: Buffer | null = null;
    let max: Buffer | null = null;
    for (let at = 0; at < data.length; at += 100) {
      const key = data.subarray(at, at + 10);
      if (!min || Buffer.compare(key, min) < 0) min = key;
      if (!max || Buffer.compare(key, max) > 0) max = key;
    }
    if (min && previousMax) t.true(Buffer.compare(previousMax, min) <= 0, `${file} starts below the previous part's keys`);
    if (max) previousMax = max;
  }
  const concatenated = join(dir, 'all.dat');
  writeFileSync(concatenated, Buffer.concat(all));
  const report = await valsort(concatenated);
  t.is(report.records, 30_000n);
  t.is(report.checksum, gen.checksum);
});

test('skewed keys: sampled splitters balance the parts that a key-space split cannot', async (t) => {
  const dir = testDir(t, 'partition-skew');
  const input = join(dir, 'in.dat');
  const records = 60_000;
  const gen = await gensort(input, { records, ascii: true, skewed: true });
  const fixed = await partitionRecords(input, { parts: 8, outDir: join(dir, 'fixed'), keySpace: 'ascii' });
  const splitters = join(dir, 'splitters.bin');
  await sampleSplitters([input], { parts: 8, out: splitters, samples: 10_000 });
  t.is(readFileSync(splitters).length, 7 * 10);
  const sampled = await partitionRecords(input, { parts: 8, outDir: join(dir, 'sampled'), splitters });
  t.log(`imbalance: key space ${imbalance(fixed.counts).toFixed(2)}, sampled ${imbalance(sampled.counts).toFixed(2)}`);
  t.true(imbalance(sampled.counts) < imbalance(fixed.counts));
  t.true(imbalance(sampled.counts) < 1.5);
  await sortPartsAndValidate(t, sampled.files, dir, gen.checksum, records);
});

test('bad arguments and bad splitter files: clear messages, exit 2', async (t) => {
  const dir = testDir(t, 'partition-bad');
  const input = join(dir, 'in.dat');
  await gensort(input, { records: 100 });
  const out = join(dir, 'parts');
  const usage: Array<[string[], RegExp]> = [
    [['partition', input, '--out', out], /partition needs --parts P/],
    [['partition', input, '--parts', '4'], /partition needs --out DIR/],
    [['partition', input, '--parts', 'x', '--out', out], /--parts must be a positive integer, got 'x'/],
    [['partition', input, '--parts', '4', '--out', out, '--key-space', 'utf8'], /--key-space must be binary or ascii, got 'utf8'/],
    [['partition', '--parts', '4', '--out', out], /partition needs exactly one input/],
  ];
  expectToolFailures(t, 'flyer-sort', 2, usage);
  const shortSplitters = join(dir, 'short.bin');
  writeFileSync(shortSplitters, Buffer.alloc(15));
  const run = tool('flyer-sort', ['partition', input, '--parts', '4', '--out', out, '--splitters', shortSplitters]);
  t.is(run.code, 2);
  t.regex(run.stderr, /has 15 bytes; 4 parts need 3 splitters of 10 bytes/);
  await t.throwsAsync(partitionRecords(input, { parts: 0, outDir: out }), { message: /FLYER_ERR_INVALID_ARGUMENT/ });
});
