import test from 'ava';
import fc from 'fast-check';
import { FlyerError } from '../../system/env/errors.ts';
import { RealPayload, SyntheticPayload, materialize, realPayload, syntheticPayload, zeroPayload, type Payload } from '../../system/env/payload.ts';
import { RegionBuffer } from '../../system/env/region-buffer.ts';

function bytes(payload: Payload): number[] {
  return Array.from(materialize(payload));
}

test('a fresh region reads as zeros', (t) => {
  const region = new RegionBuffer(100);
  const all = region.read(0, 100);
  t.is(all.sizeBytes, 100);
  t.true(materialize(all).every((b) => b === 0));
  t.is(region.read(100, 0).sizeBytes, 0);
});

test('overlapping writes replace what they overlap; gaps read as zeros', (t) => {
  const region = new RegionBuffer(16);
  region.write(2, realPayload(new Uint8Array([1, 1, 1, 1, 1, 1])));   // [2, 8)
  region.write(5, realPayload(new Uint8Array([2, 2, 2, 2, 2])));      // [5, 10)
  region.write(12, realPayload(new Uint8Array([3, 3])));              // [12, 14)
  region.write(4, realPayload(new Uint8Array([4])));                  // [4, 5)
  t.deepEqual(bytes(region.read(0, 16)), [0, 0, 1, 1, 4, 2, 2, 2, 2, 2, 0, 0, 3, 3, 0, 0]);
  // A write that covers several pieces entirely.
  region.write(1, realPayload(new Uint8Array(13).fill(9)));           // [1, 14)
  t.deepEqual(bytes(region.read(0, 16)), [0, ...new Array(13).fill(9), 0, 0]);
  // A write strictly inside one piece splits it.
  region.write(6, realPayload(new Uint8Array([7])));
  t.deepEqual(bytes(region.read(4, 5)), [9, 9, 7, 9, 9]);
  t.deepEqual(bytes(region.read(14, 2)), [0, 0]);
});

test('synthetic writes stay synthetic on read, including partial reads of one piece', (t) => {
  const region = new RegionBuffer(1 << 30);
  region.write(4096, syntheticPayload({ contentSeed: 3, offsetBytes: 0, sizeBytes: 1 << 29 }));
  const middle = region.read(8192, 1 << 20);
  t.true(middle instanceof SyntheticPayload);
  const synthetic = middle as SyntheticPayload;
  t.is(synthetic.contentSeed, 3);
  t.is(synthetic.offsetBytes, 4096);
  t.is(synthetic.sizeBytes, 1 << 20);
  // A synthetic piece bordered by a hole comes back as the bytes of both.
  const edge = region.read(4090, 10);
  t.true(edge instanceof RealPayload);
  t.deepEqual(bytes(edge), [0, 0, 0, 0, 0, 0, ...bytes(syntheticPayload({ contentSeed: 3, sizeBytes: 4 }))]);
  // Rewriting the middle of a synthetic piece with its own continuation keeps the stream contiguous.
  region.write(8192, syntheticPayload({ contentSeed: 3, offsetBytes: 4096, sizeBytes: 100 }));
  const whole = region.read(4096, 1 << 20);
  t.true(whole instanceof SyntheticPayload);
  t.is((whole as SyntheticPayload).offsetBytes, 0);
});

test('zero-length writes are no-ops; empty region works', (t) => {
  const region = new RegionBuffer(8);
  region.write(3, realPayload(new Uint8Array([5, 5])));
  region.write(4, realPayload(new Uint8Array(0)));
  region.write(8, realPayload(new Uint8Array(0)));
  t.deepEqual(bytes(region.read(0, 8)), [0, 0, 0, 5, 5, 0, 0, 0]);
  const empty = new RegionBuffer(0);
  t.is(empty.read(0, 0).sizeBytes, 0);
  t.throws(() => empty.read(0, 1));
});

test('out-of-bounds reads and writes throw FlyerError RPC_REGION_BOUNDS', (t) => {
  const region = new RegionBuffer(10);
  const cases: Array<() => unknown> = [
    () => region.read(0, 11),
    () => region.read(10, 1),
    () => region.read(-1, 2),
    () => region.read(0, -1),
    () => region.read(0.5, 1),
    () => region.read(Number.NaN, 1),
    () => region.read(2 ** 53, 0),
    () => region.write(9, realPayload('ab')),
    () => region.write(-1, realPayload('a')),
    () => region.write(11, zeroPayload(0)),
    () => region.write(0, zeroPayload(11)),
  ];
  for (const [i, call] of cases.entries()) {
    const error = t.throws(call, undefined, `case ${i}`);
    t.true(error instanceof FlyerError, `case ${i}`);
    t.is((error as FlyerError).code, 'RPC_REGION_BOUNDS', `case ${i}`);
  }
  // A failed write leaves the region unchanged.
  t.true(materialize(region.read(0, 10)).every((b) => b === 0));
  region.checkBounds(0, 10);
  region.checkBounds(10, 0);
});

test('a bad region size is refused', (t) => {
  for (const size of [-1, 1.5, Number.NaN]) {
    t.is((t.throws(() => new RegionBuffer(size)) as FlyerError).code, 'ASSERTION');
  }
});

type Op = { kind: 'write'; offset: number; data: Uint8Array } | { kind: 'writeSynthetic'; offset: number; seed: number; streamOffset: number; size: number } | { kind: 'read'; offset: number; length: number };

const REGION = 200;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.integer({ min: 0, max: REGION }).chain((offset) =>
    fc.uint8Array({ minLength: 0, maxLength: REGION - offset }).map((data): Op => ({ kind: 'write', offset, data }))),
  fc.integer({ min: 0, max: REGION }).chain((offset) =>
    fc.record({ seed: fc.integer({ min: 0, max: 3 }), streamOffset: fc.integer({ min: 0, max: 50 }), size: fc.integer({ min: 0, max: REGION - offset }) })
      .map((r): Op => ({ kind: 'writeSynthetic', offset, ...r }))),
  fc.integer({ min: 0, max: REGION }).chain((offset) =>
    fc.integer({ min: 0, max: REGION - offset }).map((length): Op => ({ kind: 'read', offset, length }))),
);

test('property: random writes of real payloads then reads match a plain byte-array model', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: REGION }).chain((offset) =>
        fc.uint8Array({ minLength: 0, maxLength: REGION - offset }).map((data) => ({ offset, data }))), { maxLength: 25 }),
      fc.array(fc.tuple(fc.nat(REGION), fc.nat(REGION)), { minLength: 1, maxLength: 10 }),
      (writes, reads) => {
        const region = new RegionBuffer(REGION);
        const model = new Uint8Array(REGION);
        for (const { offset, data } of writes) {
          // Copy: the region keeps a reference to the written bytes, as the model copies them.
          region.write(offset, realPayload(data.slice()));
          model.set(data, offset);
        }
        for (const [a, b] of reads) {
          const offset = Math.min(a, b);
          const length = Math.max(a, b) - offset;
          const got = region.read(offset, length);
          if (got.sizeBytes !== length) return false;
          if (Buffer.compare(materialize(got), model.subarray(offset, offset + length)) !== 0) return false;
        }
        return true;
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: interleaved real and synthetic writes and reads match the model', (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const region = new RegionBuffer(REGION);
      const model = new Uint8Array(REGION);
      for (const op of ops) {
        if (op.kind === 'write') {
          region.write(op.offset, realPayload(op.data.slice()));
          model.set(op.data, op.offset);
        } else if (op.kind === 'writeSynthetic') {
          const payload = syntheticPayload({ contentSeed: op.seed, offsetBytes: op.streamOffset, sizeBytes: op.size });
          region.write(op.offset, payload);
          model.set(materialize(payload), op.offset);
        } else {
          const got = region.read(op.offset, op.length);
          if (Buffer.compare(materialize(got), model.subarray(op.offset, op.offset + op.length)) !== 0) return false;
        }
      }
      return Buffer.compare(materialize(region.read(0, REGION)), model) === 0;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
