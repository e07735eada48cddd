/** `flyer gensort|valsort|sort|partition`: arguments pass through to the native tools, exit codes come back. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { flyer, sha256File, testDir } from './helpers.ts';

test('gensort, valsort, sort and partition through the flyer command', (t) => {
  const dir = testDir(t, 'graysort-cli');
  const input = join(dir, 'in.dat');
  const gen = flyer(['gensort', '-c', '10', input]);
  t.is(gen.code, 0, gen.stderr);
  t.is(gen.stderr.trim(), '55fea8a1a');
  t.is(sha256File(input), '540fdf67ede87e6df5fc2d416b0c960209692a979de26550f51af45e8175ace4');

  // Options after the operands stay in place for the tool, as commander must not reorder them.
  const late = flyer(['gensort', '5', join(dir, 'b5.dat'), '-c', '-b5']);
  t.is(late.code, 0, late.stderr);
  t.is(late.stderr.trim(), '27f3468a8');

  const unsorted = flyer(['valsort', input]);
  t.is(unsorted.code, 1);
  t.regex(unsorted.stderr, /^First unordered record is record 2$/m);
  t.regex(unsorted.stderr, /^ERROR - there are 4 unordered records$/m);

  const output = join(dir, 'out.dat');
  const sorted = flyer(['sort', input, output]);
  t.is(sorted.code, 0, sorted.stderr);
  t.is((JSON.parse(sorted.stdout.toString()) as { records: number }).records, 10);
  const valid = flyer(['valsort', '-o', join(dir, 'out.sum'), output]);
  t.is(valid.code, 0, valid.stderr);
  t.regex(valid.stderr, /^Checksum: 55fea8a1a$/m);
  t.regex(valid.stderr, /^SUCCESS - all records are in order$/m);

  const parted = flyer(['partition', input, '--parts', '3', '--out', join(dir, 'parts')]);
  t.is(parted.code, 0, parted.stderr);
  t.deepEqual(readdirSync(join(dir, 'parts')).sort(), ['part-00000.dat', 'part-00001.dat', 'part-00002.dat']);
});

test('missing binaries and bad arguments: clear messages and nonzero exits', (t) => {
  const missing = flyer(['gensort', '10', '/dev/null'], { FLYER_SORT_TOOLS_DIR: '/nonexistent-flyer-tools' });
  t.is(missing.code, 1);
  t.regex(missing.stderr, /FLYER_ERR_SORT_TOOLS_UNAVAILABLE: .*flyer-gensort does not exist; build it with `npm run build:native`/);

  const noArgs = flyer(['valsort']);
  t.is(noArgs.code, 1);
  t.regex(noArgs.stderr, /usage: flyer valsort/);

  const oneFile = flyer(['sort', '/dev/null']);
  t.is(oneFile.code, 2);
  t.regex(oneFile.stderr, /FLYER_ERR_INVALID_ARGUMENT: .*sort needs at least one input and an output/);

  const badParts = flyer(['partition', '/dev/null', '--parts', '0', '--out', '/tmp/x']);
  t.is(badParts.code, 2);
  t.regex(badParts.stderr, /--parts must be a positive integer/);
});
