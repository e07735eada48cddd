import test from 'ava';
import fc from 'fast-check';
import {
  RealPayload,
  SyntheticPayload,
  ZERO_CONTENT_SEED,
  concatPayloads,
  isPayload,
  materialize,
  payloadCrc32c,
  payloadDigest,
  payloadEquals,
  payloadSlice,
  realPayload,
  syntheticPayload,
  zeroPayload,
  type Payload,
} from '../../system/env/payload.ts';
import { FlyerError } from '../../system/env/errors.ts';

/** Byte concatenation as a plain Uint8Array (ava's deepEqual distinguishes Buffer from Uint8Array). */
function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

const seedArb = fc.integer({ min: 1, max: 0x7fffffff });

test('materialize of a synthetic payload is deterministic and not trivially constant', (t) => {
  const a = materialize(syntheticPayload({ contentSeed: 42, sizeBytes: 4096 }));
  const b = materialize(syntheticPayload({ contentSeed: 42, sizeBytes: 4096 }));
  t.deepEqual(a, b);
  t.is(a.length, 4096);
  // A real stream should use most byte values and not be all zeros.
  t.true(new Set(a).size > 200);
  t.false(a.every((byte) => byte === 0));
  // A different seed gives different bytes.
  t.notDeepEqual(materialize(syntheticPayload({ contentSeed: 43, sizeBytes: 4096 })), a);
});

test('property: a slice of a materialized stream equals the materialized slice (any offset, unaligned too)', (t) => {
  fc.assert(
    fc.property(
      seedArb,
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 300 }),
      (contentSeed, base, size, rawStart, rawLength) => {
        const whole = syntheticPayload({ contentSeed, offsetBytes: base, sizeBytes: size });
        const start = Math.min(rawStart, size);
        const length = Math.min(rawLength, size - start);
        const bytes = materialize(whole);
        const direct = materialize(syntheticPayload({ contentSeed, offsetBytes: base + start, sizeBytes: length }));
        const viaSlice = materialize(payloadSlice(whole, start, length));
        return Buffer.compare(bytes.subarray(start, start + length), direct) === 0 &&
          Buffer.compare(direct, viaSlice) === 0;
      },
    ),
    { numRuns: 200 },
  );
  t.pass();
});

test('synthetic streams work at offsets beyond 2^32 bytes', (t) => {
  const base = 2 ** 40 + 3;
  const whole = materialize(syntheticPayload({ contentSeed: 9, offsetBytes: base, sizeBytes: 64 }));
  const tail = materialize(syntheticPayload({ contentSeed: 9, offsetBytes: base + 17, sizeBytes: 47 }));
  t.deepEqual(whole.subarray(17), tail);
  // Word indices that differ only above bit 32 must not alias.
  const low = materialize(syntheticPayload({ contentSeed: 9, offsetBytes: 0, sizeBytes: 64 }));
  const high = materialize(syntheticPayload({ contentSeed: 9, offsetBytes: 2 ** 34, sizeBytes: 64 }));
  t.notDeepEqual(low, high);
});

test('zero payloads materialize as zeros and ignore offsets when sliced', (t) => {
  const zeros = zeroPayload(10_000);
  t.is(zeros.contentSeed, ZERO_CONTENT_SEED);
  const bytes = materialize(zeros);
  t.is(bytes.length, 10_000);
  t.true(bytes.every((byte) => byte === 0));
  const slice = payloadSlice(zeros, 5_000, 100) as SyntheticPayload;
  t.true(slice instanceof SyntheticPayload);
  t.is(slice.offsetBytes, 0);
  t.is(slice.sizeBytes, 100);
  t.true(materialize(slice).every((byte) => byte === 0));
});

test('real payloads: materialize returns the bytes, slices are views', (t) => {
  const p = realPayload('hello world');
  t.true(p instanceof RealPayload);
  t.is(p.sizeBytes, 11);
  t.is(new TextDecoder().decode(materialize(p)), 'hello world');
  const slice = payloadSlice(p, 6, 5);
  t.true(slice instanceof RealPayload);
  t.is(new TextDecoder().decode(materialize(slice)), 'world');
  t.true(isPayload(p));
  t.true(isPayload(zeroPayload(1)));
  t.false(isPayload({ kind: 'real', bytes: new Uint8Array(1), sizeBytes: 1 }));
});

test('payloadSlice outside the payload throws an ASSERTION FlyerError', (t) => {
  const error = t.throws(() => payloadSlice(realPayload('abc'), 2, 2));
  t.true(error instanceof FlyerError);
  t.is((error as FlyerError).code, 'ASSERTION');
  t.throws(() => payloadSlice(syntheticPayload({ contentSeed: 1, sizeBytes: 5 }), -1, 1));
});

test('SyntheticPayload rejects negative or fractional fields', (t) => {
  for (const bad of [
    () => new SyntheticPayload(-1, 0, 1),
    () => new SyntheticPayload(1, 0.5, 1),
    () => new SyntheticPayload(1, 0, -3),
    () => new SyntheticPayload(1, 0, Number.NaN),
  ]) {
    const error = t.throws(bad);
    t.is((error as FlyerError).code, 'ASSERTION');
  }
});

test('concatPayloads keeps contiguous pieces of one synthetic stream synthetic', (t) => {
  const parts = [
    syntheticPayload({ contentSeed: 5, offsetBytes: 100, sizeBytes: 10 }),
    syntheticPayload({ contentSeed: 5, offsetBytes: 110, sizeBytes: 7 }),
    syntheticPayload({ contentSeed: 5, offsetBytes: 117, sizeBytes: 1000 }),
  ];
  const joined = concatPayloads(parts);
  t.true(joined instanceof SyntheticPayload);
  const synthetic = joined as SyntheticPayload;
  t.is(synthetic.contentSeed, 5);
  t.is(synthetic.offsetBytes, 100);
  t.is(synthetic.sizeBytes, 1017);
  t.deepEqual(materialize(joined), concatBytes(parts.map(materialize)));
});

test('concatPayloads of zero pieces stays a zero payload', (t) => {
  const joined = concatPayloads([zeroPayload(3), zeroPayload(5), payloadSlice(zeroPayload(100), 50, 2)]);
  t.true(joined instanceof SyntheticPayload);
  t.is((joined as SyntheticPayload).contentSeed, ZERO_CONTENT_SEED);
  t.is(joined.sizeBytes, 10);
});

test('concatPayloads of non-contiguous or mixed pieces is the byte concatenation', (t) => {
  const gap = [
    syntheticPayload({ contentSeed: 5, offsetBytes: 0, sizeBytes: 10 }),
    syntheticPayload({ contentSeed: 5, offsetBytes: 11, sizeBytes: 10 }),
  ];
  const joinedGap = concatPayloads(gap);
  t.true(joinedGap instanceof RealPayload);
  t.deepEqual(materialize(joinedGap), concatBytes(gap.map(materialize)));

  const otherSeed = [syntheticPayload({ contentSeed: 5, sizeBytes: 4 }), syntheticPayload({ contentSeed: 6, offsetBytes: 4, sizeBytes: 4 })];
  t.true(concatPayloads(otherSeed) instanceof RealPayload);

  const mixed = [realPayload('ab'), zeroPayload(3), syntheticPayload({ contentSeed: 1, sizeBytes: 5 }), realPayload('z')];
  const joinedMixed = concatPayloads(mixed);
  t.is(joinedMixed.sizeBytes, 11);
  t.deepEqual(materialize(joinedMixed), concatBytes(mixed.map(materialize)));
});

const payloadArb: fc.Arbitrary<Payload> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((bytes) => realPayload(bytes)),
  fc.integer({ min: 0, max: 40 }).map((size) => zeroPayload(size)),
  fc.record({ contentSeed: fc.integer({ min: 1, max: 4 }), offsetBytes: fc.integer({ min: 0, max: 60 }), sizeBytes: fc.integer({ min: 0, max: 40 }) })
    .map((o) => syntheticPayload(o)),
);

test('property: concatPayloads always equals the byte concatenation of its parts', (t) => {
  fc.assert(
    fc.property(fc.array(payloadArb, { minLength: 1, maxLength: 6 }), (parts) => {
      const joined = concatPayloads(parts);
      const expected = Buffer.concat(parts.map(materialize));
      return joined.sizeBytes === expected.length && Buffer.compare(materialize(joined), expected) === 0;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('payloadDigest is equal for equal content of the same kind', (t) => {
  t.is(payloadDigest(realPayload('same bytes')), payloadDigest(realPayload(new TextEncoder().encode('same bytes'))));
  t.is(payloadDigest(syntheticPayload({ contentSeed: 7, offsetBytes: 12, sizeBytes: 99 })),
    payloadDigest(payloadSlice(syntheticPayload({ contentSeed: 7, offsetBytes: 2, sizeBytes: 200 }), 10, 99)));
  // Zero payloads ignore offsets.
  t.is(payloadDigest(zeroPayload(64)), payloadDigest(payloadSlice(zeroPayload(1000), 300, 64)));
  // Real digest does not depend on the buffer the view sits in.
  const big = new Uint8Array([9, 1, 2, 3, 9]);
  t.is(payloadDigest(new RealPayload(big.subarray(1, 4))), payloadDigest(new RealPayload(new Uint8Array([1, 2, 3]))));
});

test('payloadDigest differs when the content differs', (t) => {
  t.not(payloadDigest(realPayload('abc')), payloadDigest(realPayload('abd')));
  t.not(payloadDigest(realPayload(new Uint8Array(4))), payloadDigest(realPayload(new Uint8Array(5))));
  const base = { contentSeed: 7, offsetBytes: 12, sizeBytes: 99 };
  const d = payloadDigest(syntheticPayload(base));
  t.not(d, payloadDigest(syntheticPayload({ ...base, contentSeed: 8 })));
  t.not(d, payloadDigest(syntheticPayload({ ...base, offsetBytes: 13 })));
  t.not(d, payloadDigest(syntheticPayload({ ...base, sizeBytes: 100 })));
  t.not(payloadDigest(zeroPayload(10)), payloadDigest(zeroPayload(11)));
  t.not(payloadDigest(zeroPayload(10)), payloadDigest(syntheticPayload({ contentSeed: 1, sizeBytes: 10 })));
});

test('property: distinct synthetic identities get distinct digests (no collisions in a random sample)', (t) => {
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.record({ contentSeed: fc.integer({ min: 1, max: 1000 }), offsetBytes: fc.integer({ min: 0, max: 1 << 20 }), sizeBytes: fc.integer({ min: 1, max: 1 << 20 }) }),
        { minLength: 2, maxLength: 30, selector: (o) => `${o.contentSeed}/${o.offsetBytes}/${o.sizeBytes}` },
      ),
      (identities) => new Set(identities.map((o) => payloadDigest(syntheticPayload(o)))).size === identities.length,
    ),
    { numRuns: 100 },
  );
  t.pass();
});

test('payloadDigest of real payloads is a safe non-negative integer', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      const d = payloadDigest(realPayload(bytes));
      return Number.isSafeInteger(d) && d >= 0;
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test('payloadEquals compares content across kinds', (t) => {
  const synthetic = syntheticPayload({ contentSeed: 3, offsetBytes: 5, sizeBytes: 50 });
  const asReal = new RealPayload(materialize(synthetic).slice());
  t.true(payloadEquals(synthetic, asReal));
  t.true(payloadEquals(asReal, synthetic));
  t.true(payloadEquals(synthetic, syntheticPayload({ contentSeed: 3, offsetBytes: 5, sizeBytes: 50 })));
  t.false(payloadEquals(synthetic, syntheticPayload({ contentSeed: 3, offsetBytes: 6, sizeBytes: 50 })));
  t.false(payloadEquals(synthetic, syntheticPayload({ contentSeed: 3, offsetBytes: 5, sizeBytes: 49 })));
  t.true(payloadEquals(zeroPayload(8), realPayload(new Uint8Array(8))));
  t.true(payloadEquals(zeroPayload(8), payloadSlice(zeroPayload(30), 9, 8)));
  t.false(payloadEquals(zeroPayload(8), realPayload(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]))));
  t.false(payloadEquals(zeroPayload(8), syntheticPayload({ contentSeed: 3, sizeBytes: 8 })));
  const changed = asReal.bytes.slice();
  changed[49] = changed[49]! ^ 1;
  t.false(payloadEquals(synthetic, realPayload(changed)));
});

test('property: payloadEquals agrees with byte comparison', (t) => {
  fc.assert(
    fc.property(payloadArb, payloadArb, (a, b) =>
      payloadEquals(a, b) === (Buffer.compare(materialize(a), materialize(b)) === 0)),
    { numRuns: 300 },
  );
  t.pass();
});

test('payloadCrc32c matches for equal content of different kinds', (t) => {
  const synthetic = syntheticPayload({ contentSeed: 11, offsetBytes: 3, sizeBytes: 777 });
  t.is(payloadCrc32c(synthetic), payloadCrc32c(new RealPayload(materialize(synthetic).slice())));
  t.not(payloadCrc32c(synthetic), payloadCrc32c(syntheticPayload({ contentSeed: 11, offsetBytes: 4, sizeBytes: 777 })));
  // CRC32C("123456789") is the standard check value 0xE3069283.
  t.is(payloadCrc32c(realPayload('123456789')), 0xe3069283);
});
