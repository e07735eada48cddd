import test from 'ava';
import fc from 'fast-check';
import { decodeMessage, encodeMessage } from '../../system/env/codec.ts';
import { FlyerError } from '../../system/env/errors.ts';
import { RealPayload, SyntheticPayload, materialize, realPayload, syntheticPayload, zeroPayload } from '../../system/env/payload.ts';

test('nested objects with real and synthetic payloads round-trip as class instances', (t) => {
  const message = {
    method: 'storage.write',
    chunk: { id: 'c-17', version: 3, tags: ['a', 'b'] },
    body: realPayload(new Uint8Array([1, 2, 3, 250])),
    parts: [syntheticPayload({ contentSeed: 9, offsetBytes: 4096, sizeBytes: 1 << 30 }), zeroPayload(12)],
    nested: { deeper: { payload: realPayload('hi') } },
    nothing: null,
  };
  const decoded = decodeMessage(encodeMessage(message).bytes) as typeof message;
  t.is(decoded.method, 'storage.write');
  t.deepEqual(decoded.chunk, message.chunk);
  t.is(decoded.nothing, null);

  t.true(decoded.body instanceof RealPayload);
  t.is(decoded.body.kind, 'real');
  t.deepEqual(Array.from(decoded.body.bytes), [1, 2, 3, 250]);
  t.is(decoded.body.sizeBytes, 4);
  t.not(decoded.body.bytes, message.body.bytes, 'receiver must not share the sender buffer');

  const [synthetic, zeros] = decoded.parts as [SyntheticPayload, SyntheticPayload];
  t.true(synthetic instanceof SyntheticPayload);
  t.is(synthetic.kind, 'synthetic');
  t.is(synthetic.contentSeed, 9);
  t.is(synthetic.offsetBytes, 4096);
  t.is(synthetic.sizeBytes, 1 << 30);
  t.true(zeros instanceof SyntheticPayload);
  t.is(zeros.contentSeed, 0);
  t.is(zeros.sizeBytes, 12);

  t.true(decoded.nested.deeper.payload instanceof RealPayload);
  t.is(new TextDecoder().decode(decoded.nested.deeper.payload.bytes), 'hi');
});

test('decoded real payload bytes are a plain Uint8Array', (t) => {
  const decoded = decodeMessage(encodeMessage(realPayload('xyz')).bytes) as RealPayload;
  t.true(decoded instanceof RealPayload);
  t.is(Object.getPrototypeOf(decoded.bytes), Uint8Array.prototype);
});

test('a real payload over a view of a larger buffer carries only the view', (t) => {
  const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
  const decoded = decodeMessage(encodeMessage(new RealPayload(backing.subarray(2, 5))).bytes) as RealPayload;
  t.deepEqual(Array.from(decoded.bytes), [1, 2, 3]);
});

test('synthetic offsets and sizes beyond 2^32 survive the wire', (t) => {
  const payload = syntheticPayload({ contentSeed: 2 ** 31 + 5, offsetBytes: 2 ** 45 + 7, sizeBytes: 100 * 2 ** 40 });
  const decoded = decodeMessage(encodeMessage({ payload }).bytes) as { payload: SyntheticPayload };
  t.true(decoded.payload instanceof SyntheticPayload);
  t.is(decoded.payload.contentSeed, 2 ** 31 + 5);
  t.is(decoded.payload.offsetBytes, 2 ** 45 + 7);
  t.is(decoded.payload.sizeBytes, 100 * 2 ** 40);
});

test('wireSizeBytes is the encoded length plus every synthetic payload size', (t) => {
  const sizes = [1000, 1 << 20, 0, 5];
  const message = {
    real: realPayload(new Uint8Array(300)),
    synthetic: sizes.map((sizeBytes, i) => syntheticPayload({ contentSeed: i + 1, sizeBytes })),
    zero: zeroPayload(77),
  };
  const encoded = encodeMessage(message);
  t.true(encoded.bytes.length >= 300, 'real bytes are in the encoding');
  t.is(encoded.wireSizeBytes, encoded.bytes.length + sizes.reduce((a, b) => a + b, 0) + 77);
  // Synthetic payloads encode as a few bytes, not their size.
  t.true(encoded.bytes.length < 450);
});

test('wireSizeBytes does not leak synthetic bytes between encode calls', (t) => {
  encodeMessage({ big: syntheticPayload({ contentSeed: 1, sizeBytes: 1 << 30 }) });
  const plain = encodeMessage({ hello: 'world' });
  t.is(plain.wireSizeBytes, plain.bytes.length);
  // The same synthetic payload referenced twice is carried twice.
  const shared = syntheticPayload({ contentSeed: 1, sizeBytes: 1000 });
  const twice = encodeMessage([shared, shared]);
  t.is(twice.wireSizeBytes, twice.bytes.length + 2000);
  const decoded = decodeMessage(twice.bytes) as SyntheticPayload[];
  t.is(decoded.length, 2);
  t.true(decoded.every((p) => p instanceof SyntheticPayload && p.sizeBytes === 1000));
});

test('property: random JSON-like values with payloads round-trip', (t) => {
  const payloadArb = fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((bytes) => realPayload(bytes)),
    fc.record({ contentSeed: fc.nat(), offsetBytes: fc.nat(), sizeBytes: fc.nat() }).map((o) => syntheticPayload(o)),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      payloadArb,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4 }),
    ),
  }));
  fc.assert(
    fc.property(value, (input) => {
      const decoded = decodeMessage(encodeMessage(input).bytes);
      return deepEqualWithPayloads(input, decoded);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

function deepEqualWithPayloads(a: unknown, b: unknown): boolean {
  if (a instanceof RealPayload) {
    return b instanceof RealPayload && Buffer.compare(materialize(a), materialize(b)) === 0;
  }
  if (a instanceof SyntheticPayload) {
    return b instanceof SyntheticPayload && a.contentSeed === b.contentSeed && a.offsetBytes === b.offsetBytes && a.sizeBytes === b.sizeBytes;
  }
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqualWithPayloads(x, b[i]));
  if (a !== null && typeof a === 'object') {
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length &&
      ka.every((k) => deepEqualWithPayloads((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b) || (a === 0 && b === 0);
}

test('decodeMessage of garbage throws FlyerError RPC_FRAME_MALFORMED', (t) => {
  const garbage = [
    new Uint8Array([]), // empty body
    new Uint8Array([0x01, 0x02]), // a valid value followed by trailing bytes
    new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), // array32 claiming 4 billion items, none present
    new Uint8Array([0xdb, 0x00, 0x00, 0x10]), // str32 cut short
    new Uint8Array([0x92, 0x01]), // array of 2 with one item
    encodeMessage({ long: 'x'.repeat(100) }).bytes.subarray(0, 20), // a truncated valid message
  ];
  for (const bytes of garbage) {
    const error = t.throws(() => decodeMessage(bytes), undefined, `bytes ${Buffer.from(bytes).toString('hex')}`);
    t.true(error instanceof FlyerError);
    t.is((error as FlyerError).code, 'RPC_FRAME_MALFORMED');
    t.regex(error!.message, /FLYER_ERR_RPC_FRAME_MALFORMED/);
  }
});

test('a synthetic payload extension with invalid fields is rejected on decode', (t) => {
  // Hand-craft the synthetic extension (type 0x22) with a negative size: [1, 0, -1].
  const inner = new Uint8Array([0x93, 0x01, 0x00, 0xff]);
  const frame = new Uint8Array([0xc7, inner.length, 0x22, ...inner]);
  const error = t.throws(() => decodeMessage(frame));
  t.true(error instanceof FlyerError);
  // The payload constructor's assertion is converted into a malformed-frame error.
  t.is((error as FlyerError).code, 'RPC_FRAME_MALFORMED');
});

// BUG (system/env/codec.ts): 0xc1 is the one byte MessagePack reserves as "never used", but msgpackr
// decodes it to an internal C1Type sentinel object instead of failing, so decodeMessage hands service
// code a strange object rather than throwing RPC_FRAME_MALFORMED.
test.failing('decodeMessage rejects the never-used MessagePack byte 0xc1', (t) => {
  const error = t.throws(() => decodeMessage(new Uint8Array([0xc1])));
  t.is((error as FlyerError | undefined)?.code, 'RPC_FRAME_MALFORMED');
});

test('with a landing buffer, real payloads are placed in it in order while they fit', (t) => {
  const big = realPayload(new Uint8Array(100).fill(7));
  const small = realPayload(new Uint8Array([1, 2, 3]));
  const tooBig = realPayload(new Uint8Array(50).fill(9));
  const landing = new Uint8Array(110);
  const decoded = decodeMessage(encodeMessage({ a: big, b: small, c: tooBig, s: zeroPayload(5) }).bytes, undefined, landing) as Record<string, RealPayload>;
  t.is(decoded.a!.bytes.buffer, landing.buffer);
  t.is(decoded.a!.bytes.byteOffset, 0);
  t.deepEqual(decoded.a!.bytes, big.bytes);
  t.is(decoded.b!.bytes.buffer, landing.buffer);
  t.is(decoded.b!.bytes.byteOffset, 100);
  t.deepEqual(Array.from(decoded.b!.bytes), [1, 2, 3]);
  t.not(decoded.c!.bytes.buffer, landing.buffer, 'a payload that does not fit is allocated as usual');
  t.deepEqual(decoded.c!.bytes, tooBig.bytes);
  t.true(decoded.s instanceof SyntheticPayload, 'synthetic payloads are left as they are');
});

test('out-of-band payloads already received into the landing buffer stay in place', (t) => {
  const chunk = new Uint8Array(70_000).map((_, i) => i & 0xff);
  const encoded = encodeMessage({ data: realPayload(chunk), small: realPayload('hi') }, { outOfBand: true });
  t.is(encoded.outOfBand.length, 1);
  // The transport received the raw section straight into the caller's buffer.
  const landing = new Uint8Array(80_000);
  landing.set(encoded.outOfBand[0]!, 0);
  const decoded = decodeMessage(encoded.bytes, landing.subarray(0, chunk.length), landing) as { data: RealPayload; small: RealPayload };
  t.is(decoded.data.bytes.buffer, landing.buffer);
  t.is(decoded.data.bytes.byteOffset, 0);
  t.deepEqual(decoded.data.bytes, chunk);
  t.is(decoded.small.bytes.byteOffset, chunk.length, 'copies go after the received raw section');
  t.is(Buffer.from(decoded.small.bytes).toString(), 'hi');
});

test('out-of-band parts report the checksums their payloads know', (t) => {
  const known = new RealPayload(new Uint8Array(70_000), 0xdeadbeef);
  const unknown = new RealPayload(new Uint8Array(70_000));
  const encoded = encodeMessage({ a: known, b: unknown }, { outOfBand: true });
  t.deepEqual(encoded.outOfBandCrc32c, [0xdeadbeef, undefined]);
});
