import test from 'ava';
import fc from 'fast-check';
import { decodeMessage, encodeMessage } from '../../system/env/codec.ts';
import { crc32c } from '../../system/env/crc32c.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import { RealPayload } from '../../system/env/payload.ts';
import {
  BODY_HEADER_BYTES, encodeFrame, FRAME_HEADER_BYTES, frameBytes, FrameFlags, FrameKind, parseBody, type Frame, type FrameFields,
} from '../../system/real/rpc/frame.ts';
import { FrameDecoder, type DecodeEvent } from '../../system/real/rpc/frame-decoder.ts';

const REQUEST: FrameFields = { kind: FrameKind.request, serviceId: 3, methodId: 7, requestId: 41, timeoutNs: 1_500_000_000 };

function decodeAll(chunks: Uint8Array[], maxFrameBytes?: number): DecodeEvent[] {
  const events: DecodeEvent[] = [];
  const decoder = new FrameDecoder({ maxFrameBytes, onEvent: (event) => events.push(event) });
  for (const chunk of chunks) decoder.push(chunk);
  return events;
}

function frames(events: DecodeEvent[]): Frame[] {
  return events.map((event) => {
    if (event.type !== 'frame') throw new Error(`expected a frame, got ${event.type}`);
    return event.frame;
  });
}

/** A frame around an arbitrary body, with a correct checksum. */
function wrapBody(body: Uint8Array): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt32LE(crc32c(body), 4);
  return Buffer.concat([header, body]);
}

function sampleStream(): { bytes: Buffer; count: number } {
  const parts = [
    frameBytes(encodeFrame(REQUEST, encodeMessage({ hello: 'world', n: 1 }).bytes)),
    frameBytes(encodeFrame({ ...REQUEST, requestId: 42 }, encodeMessage([1, 2, 3]).bytes, [Buffer.from('tail-one'), Buffer.from('|two')])),
    frameBytes(encodeFrame({ ...REQUEST, kind: FrameKind.responseOk, requestId: 43 }, new Uint8Array(0))),
  ];
  return { bytes: Buffer.concat(parts), count: parts.length };
}

test('a frame round-trips with every header field and its message', (t) => {
  const message = encodeMessage({ path: '/a/b', sizeBytes: 123 }).bytes;
  const fields: FrameFields = { kind: FrameKind.responseError, serviceId: 65535, methodId: 1, requestId: 2 ** 53 - 1, timeoutNs: 2 ** 40 + 5 };
  const encoded = encodeFrame(fields, message);
  t.is(encoded.sizeBytes, FRAME_HEADER_BYTES + BODY_HEADER_BYTES + message.length);
  const [frame] = frames(decodeAll([frameBytes(encoded)]));
  t.like(frame, { ...fields, flags: 0, tail: undefined });
  t.deepEqual(decodeMessage(frame!.message), { path: '/a/b', sizeBytes: 123 });
});

test('a 4 MiB payload round-trips through message and raw tail', (t) => {
  const bytes = new Uint8Array(4 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 997) bytes[i] = i % 251;
  const viaMessage = frames(decodeAll([frameBytes(encodeFrame(REQUEST, encodeMessage({ payload: new RealPayload(bytes) }).bytes))]))[0]!;
  const decoded = decodeMessage(viaMessage.message) as { payload: RealPayload };
  t.true(decoded.payload instanceof RealPayload);
  t.true(Buffer.from(decoded.payload.bytes).equals(bytes));

  const encoded = encodeFrame(REQUEST, encodeMessage({ sizeBytes: bytes.length }).bytes, [bytes]);
  t.is(encoded.parts.at(-1), bytes, 'the tail is written from the caller buffer, not copied');
  const stream = frameBytes(encoded);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += 65536) chunks.push(stream.subarray(at, at + 65536));
  const viaTail = frames(decodeAll(chunks))[0]!;
  t.is(viaTail.flags, FrameFlags.rawTail);
  t.true(Buffer.from(viaTail.tail!).equals(bytes));
});

test('the decoder gives the same frames for a split at every byte boundary', (t) => {
  const { bytes, count } = sampleStream();
  const whole = decodeAll([bytes]);
  t.is(whole.length, count);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const split = decodeAll([bytes.subarray(0, cut), bytes.subarray(cut)]);
    if (JSON.stringify(split) !== JSON.stringify(whole)) t.fail(`split at ${cut} changed the result`);
  }
  const byteByByte = decodeAll([...bytes].map((byte) => Uint8Array.of(byte)));
  t.deepEqual(byteByByte, whole);
  t.deepEqual(Buffer.from(frames(whole)[1]!.tail!).toString(), 'tail-one|two');
});

test('the decoder gives the same frames for random chunkings', (t) => {
  const { bytes } = sampleStream();
  const expected = JSON.stringify(decodeAll([bytes]));
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
    const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i]!, end));
    return JSON.stringify(decodeAll(chunks)) === expected;
  }), { numRuns: 200 });
  t.pass();
});

test('the decoder handles many frames in one chunk, in order', (t) => {
  const parts = Array.from({ length: 1000 }, (_, i) => frameBytes(encodeFrame({ ...REQUEST, requestId: i + 1 }, encodeMessage(i).bytes)));
  const decoded = frames(decodeAll([Buffer.concat(parts)]));
  t.is(decoded.length, 1000);
  t.deepEqual(decoded.map((frame) => frame.requestId), parts.map((_, i) => i + 1));
  t.deepEqual(decoded.map((frame) => decodeMessage(frame.message)), parts.map((_, i) => i));
});

test('a checksum mismatch skips that frame only and names the suspect request', (t) => {
  const bad = frameBytes(encodeFrame({ ...REQUEST, requestId: 9 }, encodeMessage('corrupt me').bytes));
  bad[bad.length - 2]! ^= 0x40;
  const good = frameBytes(encodeFrame({ ...REQUEST, requestId: 10 }, encodeMessage('fine').bytes));
  const events = decodeAll([Buffer.concat([bad, good])]);
  t.is(events.length, 2);
  t.like(events[0], { type: 'checksum-mismatch', suspectRequestId: 9 });
  t.like(events[1], { type: 'frame', frame: { requestId: 10 } });
});

test('an oversize length stops the decoder for good', (t) => {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(1 << 20, 0);
  const good = frameBytes(encodeFrame(REQUEST, encodeMessage('late').bytes));
  const events: DecodeEvent[] = [];
  const decoder = new FrameDecoder({ maxFrameBytes: 4096, onEvent: (event) => events.push(event) });
  decoder.push(header);
  decoder.push(good);
  t.deepEqual(events, [{ type: 'oversize', frameSizeBytes: (1 << 20) + 8, maxFrameBytes: 4096 }]);
  t.true(decoder.stopped);
  t.is(decoder.bufferedBytes, 0);
});

test('bodies with a valid checksum but a bad header are reported as malformed and skipped', (t) => {
  const valid = Buffer.from(frameBytes(encodeFrame({ ...REQUEST, requestId: 77 }, encodeMessage('x').bytes)).subarray(FRAME_HEADER_BYTES));
  const withByte = (offset: number, value: number): Buffer => {
    const body = Buffer.from(valid);
    body[offset] = value;
    return wrapBody(body);
  };
  const rawTailOverrun = Buffer.from(valid);
  rawTailOverrun.writeUInt16LE(FrameFlags.rawTail, 6);
  const trailer = frameBytes(encodeFrame({ ...REQUEST, requestId: 78 }, encodeMessage('ok').bytes));
  const events = decodeAll([Buffer.concat([
    wrapBody(Buffer.alloc(5)), withByte(0, 2), withByte(1, 9), withByte(7, 0x80), wrapBody(rawTailOverrun), trailer,
  ])]);
  t.is(events.length, 6);
  t.like(events[0], { type: 'malformed', requestId: 0 });
  for (const event of events.slice(1, 5)) t.like(event, { type: 'malformed', requestId: 77 });
  t.like(events[5], { type: 'frame', frame: { requestId: 78 } });
});

test('parseBody refuses 64-bit fields beyond 2^53', (t) => {
  const body = Buffer.from(frameBytes(encodeFrame(REQUEST, new Uint8Array(0))).subarray(FRAME_HEADER_BYTES));
  body.writeUInt32LE(0x00400000, 20);
  const parsed = parseBody(body);
  t.false(parsed.ok);
  t.like(parsed, { requestId: REQUEST.requestId });
});

test('encodeFrame asserts on fields that do not fit the header', (t) => {
  const error = t.throws(() => encodeFrame({ ...REQUEST, serviceId: 70_000 }, new Uint8Array(0)));
  t.true(isFlyerError(error, 'ASSERTION'));
  t.true(isFlyerError(t.throws(() => encodeFrame({ ...REQUEST, requestId: -1 }, new Uint8Array(0))), 'ASSERTION'));
});

/**
 * Feeds `stream` to a decoder the way a socket opened with net's `onread` does: each read fills at most
 * `readBytes` of the buffer the decoder offers next.
 */
function directReads(decoder: FrameDecoder, stream: Uint8Array, readBytes: number): void {
  for (let at = 0; at < stream.length;) {
    const buffer = decoder.nextReadBuffer();
    const count = Math.min(buffer.length, readBytes, stream.length - at);
    buffer.set(stream.subarray(at, at + count), 0);
    at += count;
    decoder.pushRead(count, buffer);
  }
}

const REPLY: FrameFields = { kind: FrameKind.responseOk, serviceId: 3, methodId: 1, requestId: 77, timeoutNs: 0 };

test('known tail checksums give the very frame a pass over the tail gives', (t) => {
  const tail = [Buffer.from('raw'), new Uint8Array(300_000).map((_, i) => i % 251)];
  const message = encodeMessage({ ok: true }).bytes;
  const computed = frameBytes(encodeFrame(REPLY, message, tail));
  const joined = frameBytes(encodeFrame(REPLY, message, tail, [undefined, crc32c(tail[1]!)]));
  t.deepEqual(joined, computed);
  const wrong = frameBytes(encodeFrame(REPLY, message, tail, [undefined, crc32c(tail[1]!) ^ 1]));
  t.is(decodeAll([wrong])[0]!.type, 'checksum-mismatch', 'a wrong known checksum is caught by the receiver');
});

test('direct reads land a large reply tail in the caller buffer and keep the head apart', (t) => {
  const chunk = new Uint8Array(1 << 20).map((_, i) => (i * 13) & 0xff);
  const message = encodeMessage({ results: [{ ok: true, lengthBytes: chunk.length }] }).bytes;
  const stream = Buffer.concat([
    frameBytes(encodeFrame(REPLY, message, [chunk])),
    frameBytes(encodeFrame({ ...REPLY, requestId: 78 }, encodeMessage('next').bytes)),
  ]);
  for (const readBytes of [7, 1000, 65_536, 300_000, stream.length]) {
    const destination = new Uint8Array(chunk.length + 10);
    const asked: Array<[number, number]> = [];
    const events: DecodeEvent[] = [];
    const decoder = new FrameDecoder({
      onEvent: (event) => events.push(event),
      tailDestination: (requestId, tailBytes) => {
        asked.push([requestId, tailBytes]);
        return requestId === 77 ? destination : undefined;
      },
    });
    directReads(decoder, stream, readBytes);
    const [first, second] = frames(events);
    t.deepEqual(asked, [[77, chunk.length]], `reads of ${readBytes}`);
    t.is(first!.tail!.buffer, destination.buffer, `reads of ${readBytes}: the tail is the caller's buffer`);
    t.is(first!.tail!.byteOffset, destination.byteOffset);
    t.deepEqual(first!.tail, chunk);
    t.deepEqual(decodeMessage(first!.message), { results: [{ ok: true, lengthBytes: chunk.length }] });
    t.is(second!.requestId, 78);
    t.is(decoder.bufferedBytes, 0);
    t.is(decoder.landingRequestId, undefined);
  }
});

test('a landing reply reports its request while it lands, and a corrupt one is still caught', (t) => {
  const chunk = new Uint8Array(512 * 1024).fill(5);
  const stream = frameBytes(encodeFrame(REPLY, encodeMessage(null).bytes, [chunk]));
  stream[stream.length - 1] = stream[stream.length - 1]! ^ 0xff;
  const events: DecodeEvent[] = [];
  const decoder = new FrameDecoder({ onEvent: (event) => events.push(event), tailDestination: () => new Uint8Array(chunk.length) });
  const landing: Array<number | undefined> = [];
  for (let at = 0; at < stream.length;) {
    const buffer = decoder.nextReadBuffer();
    landing.push(decoder.landingRequestId);
    const count = Math.min(buffer.length, 100_000, stream.length - at);
    buffer.set(stream.subarray(at, at + count), 0);
    at += count;
    decoder.pushRead(count, buffer);
  }
  t.true(landing.includes(77));
  t.is(decoder.landingRequestId, undefined);
  t.is(events.length, 1);
  t.deepEqual(events[0], { type: 'checksum-mismatch', suspectRequestId: 77, bodyLengthBytes: stream.length - FRAME_HEADER_BYTES });
});

test('requests, plain frames and too-small destinations are read whole, not landed', (t) => {
  const chunk = new Uint8Array(400_000).fill(3);
  const stream = Buffer.concat([
    frameBytes(encodeFrame({ ...REPLY, kind: FrameKind.request }, encodeMessage(1).bytes, [chunk])),
    frameBytes(encodeFrame(REPLY, new Uint8Array(chunk))),
    frameBytes(encodeFrame(REPLY, encodeMessage(2).bytes, [chunk])),
  ]);
  const events: DecodeEvent[] = [];
  const decoder = new FrameDecoder({ onEvent: (event) => events.push(event), tailDestination: () => new Uint8Array(chunk.length - 1) });
  directReads(decoder, stream, 65_536);
  const decoded = frames(events);
  t.is(decoded.length, 3);
  t.is(Buffer.compare(decoded[0]!.tail!, chunk), 0);
  t.is(decoded[1]!.tail, undefined);
  t.is(Buffer.compare(decoded[2]!.tail!, chunk), 0);
});
