/**
 * flyer gensort against gensort 1.5's reference outputs (/work/shared/data/graysort/gensort-vectors.tsv,
 * mirrored below so CI needs no shared directory): the checksum gensort -c prints and the SHA-256 of the
 * file. Output is streamed through /dev/stdout and hashed, so even the 100 MB vector writes no file.
 */
import test from 'ava';
import { toolSha256 } from './helpers.ts';

interface Vector { flags: string[]; start: string; count: string; checksum: string; sha256: string }

// flags, start, count, checksum, sha256 — gensort 1.5 reference builds.
const VECTORS_TSV = `
-	0	10	55fea8a1a	540fdf67ede87e6df5fc2d416b0c960209692a979de26550f51af45e8175ace4
-	0	100	319e1030c3	98db99d1760dd3f4ad578e39253f4f42483db0fb0236bae467eba0f1a65f6068
-	5	5	27f3468a8	04f865b28dc0190a65f2e161f9673e3559cbb83c029d5c1ec05d357645c4fb08
-	0	1000000	7a0e0d4868cd4	515ea89a091c2a746500f46edd54dc5626878b4e9308d00ecf91656e8e3c3028
-a	0	3	146816d76	bcd031c86f68a9e9a53f0e63a8716c0f9e424ec89f47a1345722eaeb75b8fdef
-s	0	10	5d95519b3	eb6857617afb2f2389e92cfddd02b08bbf68bba5d287b053e2dda128743b0486
-a -s	0	10	46073c01c	2fe0af5a8a0ee8a28e0b4b4b047e9366e84fbd15e5167039bcbcb985d1500bab
-	1000000	1000	1f912af9809	445c54e9352d97e7f7ba3b045f655ffaad3726c1d7b55536aef4c858caf1b17e
-a	0	100	2f987241eb	4962ff69659aa224c68b7df50683f303266fff569759d3ee1e37426d525af9a8
-s	0	100000	c3480c053dda	e57e5ec246bdb38a7c6b81d19de2fdb81720cc23097befa480c1e42194f40799
`;

const vectors: Vector[] = VECTORS_TSV.trim().split('\n').map((line) => {
  const [flags, start, count, checksum, sha256] = line.split('\t') as [string, string, string, string, string];
  return { flags: flags === '-' ? [] : flags.split(' '), start, count, checksum, sha256 };
});

for (const v of vectors) {
  const name = `gensort ${[...v.flags, `-b${v.start}`, v.count].join(' ')}`;
  // -s vectors included: the skew prefix tables are derived from records 0..128 (the crate's skew.rs).
  test(`${name} matches gensort 1.5 (checksum and sha256)`, async (t) => {
    const out = await toolSha256('flyer-gensort', [...v.flags, '-c', `-b${v.start}`, v.count, '/dev/stdout']);
    t.is(out.code, 0, out.stderr);
    t.is(out.bytes, Number(v.count) * 100);
    t.is(out.stderr.trim(), v.checksum);
    t.is(out.sha256, v.sha256);
  });
}

test('the output does not depend on the thread count or on how the range is split', async (t) => {
  const one = await toolSha256('flyer-gensort', ['-t1', '-c', '100000', '/dev/stdout']);
  const three = await toolSha256('flyer-gensort', ['-t3', '-c', '100000', '/dev/stdout']);
  t.is(one.sha256, three.sha256);
  t.is(one.stderr, three.stderr);
  const skewOne = await toolSha256('flyer-gensort', ['-s', '-a', '-t1', '50000', '/dev/stdout']);
  const skewTwo = await toolSha256('flyer-gensort', ['-s', '-a', '-t2', '50000', '/dev/stdout']);
  t.is(skewOne.sha256, skewTwo.sha256);
});
