import test from 'ava';
import fc from 'fast-check';
import { decodeMessage, encodeMessage } from '../../system/env/codec.ts';
import type { ErrorCode } from '../../system/env/errors.ts';
import { defineMethod } from '../../system/env/types.ts';
import { encodeFrame, FRAME_HEADER_BYTES, frameBytes, FrameKind, type Frame } from '../../system/real/rpc/frame.ts';
import type { DecodeEvent } from '../../system/real/rpc/frame-decoder.ts';
import { decodeErrorMessage, encodeEnvelope } from '../../system/real/rpc/wire.ts';
import { RawPeer, startCluster, type Cluster } from './helpers.ts';

/**
 * The server under hostile input: raw sockets send garbage, corrupted, truncated, oversize and
 * nonsensical frames. Each case checks the coded error that must come back, then that a normal client
 * is still served. fast-check runs stay small so the file takes a few seconds.
 */
const Echo = defineMethod<{ n: number }, { n: number }>(5, 1, 'fuzz.echo');
const MAX_FRAME_BYTES = 1 << 20;
const NUM_RUNS = 100;

async function fuzzCluster(): Promise<{ cluster: Cluster; port: number; stillServes: (n: number) => Promise<boolean> }> {
  const cluster = await startCluster(['server', 'client'], { maxFrameBytes: MAX_FRAME_BYTES });
  const [server, client] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  server.rpc.serve(Echo, async (request) => ({ n: request.n + 1 }));
  return {
    cluster,
    port: server.addresses!.rpc.port,
    stillServes: async (n) => (await client.rpc.call('server', Echo, { n })).n === n + 1,
  };
}

function requestBytes(options: { requestId: number; serviceId?: number; methodId?: number; timeoutNs?: number; message?: Uint8Array }): Buffer {
  const message = options.message ?? encodeEnvelope('raw', { n: options.requestId });
  return frameBytes(encodeFrame({
    kind: FrameKind.request, serviceId: options.serviceId ?? Echo.serviceId, methodId: options.methodId ?? Echo.methodId,
    requestId: options.requestId, timeoutNs: options.timeoutNs ?? 1_000_000_000,
  }, message));
}

function asFrame(event: DecodeEvent | undefined): Frame {
  if (event?.type !== 'frame') throw new Error(`expected a frame back, got ${JSON.stringify(event?.type)}`);
  return event.frame;
}

/** The coded error an event carries, with the request it answers. */
function errorReply(event: DecodeEvent | undefined): { code: ErrorCode; requestId: number } {
  const frame = asFrame(event);
  if (frame.kind !== FrameKind.responseError) throw new Error(`expected an error frame, got kind ${frame.kind}`);
  return { code: decodeErrorMessage(frame.message).code, requestId: frame.requestId };
}

test('random bytes only ever get coded error frames, and the server keeps serving', async (t) => {
  const { cluster, port, stillServes } = await fuzzCluster();
  t.teardown(() => cluster.close());
  const allowed = new Set<ErrorCode>(['RPC_FRAME_CHECKSUM', 'RPC_FRAME_TOO_LARGE', 'RPC_FRAME_MALFORMED']);
  let replies = 0;
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    // A plausible small length in front of random bytes reaches the checksum path instead of oversize.
    fc.tuple(fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 400 })).map(([length, rest]) => {
      const bytes = Buffer.alloc(4 + rest.length);
      bytes.writeUInt32LE(length, 0);
      bytes.set(rest, 4);
      return new Uint8Array(bytes);
    }),
  );
  await fc.assert(fc.asyncProperty(garbage, fc.nat(), async (bytes, n) => {
    const peer = await RawPeer.open(port);
    await peer.write(bytes);
    await peer.finish();
    for (const event of peer.events) {
      if (!allowed.has(errorReply(event).code)) return false;
      replies++;
    }
    return stillServes(n);
  }), { numRuns: NUM_RUNS });
  t.true(replies > 0, 'some garbage must have drawn an error reply');
  t.true(await stillServes(7));
});

test('a flipped checksum or body byte draws RPC_FRAME_CHECKSUM and the connection goes on', async (t) => {
  const { cluster, port, stillServes } = await fuzzCluster();
  t.teardown(() => cluster.close());
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 40 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (requestId, position, flip) => {
    const bytes = requestBytes({ requestId });
    // Positions 4..7 are the checksum itself; beyond are body bytes. The length word stays intact.
    const at = 4 + (position % (bytes.length - 4));
    bytes[at]! ^= flip;
    const peer = await RawPeer.open(port);
    await peer.write(bytes);
    const [first] = await peer.waitForEvents(1);
    const reply = errorReply(first);
    // The id is only a suspect: a flip inside the id field changes it, a flip of the version byte
    // makes the body unreadable (id 0).
    const inIdField = at >= FRAME_HEADER_BYTES + 8 && at < FRAME_HEADER_BYTES + 16;
    const expectedId = at === FRAME_HEADER_BYTES ? 0 : requestId;
    await peer.write(requestBytes({ requestId: requestId + 1 }));
    const events = await peer.waitForEvents(2);
    const followUp = asFrame(events[1]);
    await peer.finish();
    return reply.code === 'RPC_FRAME_CHECKSUM' && (inIdField || reply.requestId === expectedId) &&
      followUp.kind === FrameKind.responseOk && followUp.requestId === requestId + 1 &&
      (decodeMessage(followUp.message) as { n: number }).n === requestId + 2 && peer.events.length === 2;
  }), { numRuns: NUM_RUNS });
  t.true(await stillServes(1));
});

test('a truncated frame followed by close gets no reply and the connection is dropped', async (t) => {
  const { cluster, port, stillServes } = await fuzzCluster();
  t.teardown(() => cluster.close());
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 4_000 }), async (requestId, cutSeed) => {
    const bytes = requestBytes({ requestId, message: encodeEnvelope('raw', { n: requestId, pad: 'x'.repeat(requestId % 200) }) });
    const cut = 1 + (cutSeed % (bytes.length - 1));
    const peer = await RawPeer.open(port);
    await peer.write(bytes.subarray(0, cut));
    await peer.finish();
    return peer.events.length === 0 && stillServes(requestId);
  }), { numRuns: NUM_RUNS });
  t.true(cluster.logs.some((entry) => entry.message === 'rpc peer closed mid-frame'));
});

test('an oversize length draws RPC_FRAME_TOO_LARGE and the server closes that connection only', async (t) => {
  const { cluster, port, stillServes } = await fuzzCluster();
  t.teardown(() => cluster.close());
  const bystander = await RawPeer.open(port);
  await fc.assert(fc.asyncProperty(fc.integer({ min: MAX_FRAME_BYTES - FRAME_HEADER_BYTES + 1, max: 0xffffffff }), fc.uint8Array({ maxLength: 64 }), async (length, rest) => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32LE(length, 0);
    const peer = await RawPeer.open(port);
    await peer.write(Buffer.concat([header, rest]));
    await peer.closed; // the server hangs up without waiting for us
    return peer.events.length === 1 && errorReply(peer.events[0]).code === 'RPC_FRAME_TOO_LARGE' &&
      errorReply(peer.events[0]).requestId === 0;
  }), { numRuns: NUM_RUNS });
  t.true(await stillServes(2));
  await bystander.write(requestBytes({ requestId: 5 }));
  const [reply] = await bystander.waitForEvents(1);
  t.is(asFrame(reply).kind, FrameKind.responseOk, 'a connection opened before the attacks is still served');
  await bystander.finish();
});

test('unknown methods draw RPC_UNKNOWN_METHOD for that request', async (t) => {
  const { cluster, port, stillServes } = await fuzzCluster();
  t.teardown(() => cluster.close());
  const peer = await RawPeer.open(port);
  t.teardown(() => peer.socket.destroy());
  let sent = 0;
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), async (serviceId, methodId) => {
    fc.pre(serviceId !== Echo.serviceId || methodId !== Echo.methodId);
    const requestId = ++sent;
    await peer.write(requestBytes({ requestId, serviceId, methodId }));
    const events = await peer.waitForEvents(sent);
    const reply = errorReply(events[sent - 1]);
    return reply.code === 'RPC_UNKNOWN_METHOD' && reply.requestId === requestId && stillServes(requestId);
  }), { numRuns: NUM_RUNS });
  t.is(peer.events.length, sent);
});

test('malformed message bodies draw RPC_FRAME_MALFORMED and the connection goes on', async (t) => {
  const { cluster, port, stillServes } = await fuzzCluster();
  t.teardown(() => cluster.close());
  const peer = await RawPeer.open(port);
  t.teardown(() => peer.socket.destroy());
  const badMessages = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    // Well-formed MessagePack that is not a {from, body} envelope.
    fc.oneof(fc.anything(), fc.record({ from: fc.integer(), body: fc.anything() })).map((value) => encodeMessage(value).bytes),
  );
  let sent = 0;
  await fc.assert(fc.asyncProperty(badMessages, async (message) => {
    const requestId = ++sent;
    await peer.write(requestBytes({ requestId, message }));
    const reply = errorReply((await peer.waitForEvents(sent))[sent - 1]);
    return reply.code === 'RPC_FRAME_MALFORMED' && reply.requestId === requestId;
  }), { numRuns: NUM_RUNS });
  t.true(await stillServes(3));
  await peer.write(requestBytes({ requestId: 99_999 }));
  const last = asFrame((await peer.waitForEvents(sent + 1))[sent]);
  t.like(last, { kind: FrameKind.responseOk, requestId: 99_999 });
});

test('a request past its deadline, or a frame of the wrong kind, gets its coded error', async (t) => {
  const { cluster, port, stillServes } = await fuzzCluster();
  t.teardown(() => cluster.close());
  const peer = await RawPeer.open(port);
  await peer.write(requestBytes({ requestId: 11, timeoutNs: 0 }));
  const notRequest = encodeFrame({ kind: FrameKind.responseOk, serviceId: 5, methodId: 1, requestId: 12, timeoutNs: 0 }, encodeMessage(null).bytes);
  await peer.write(frameBytes(notRequest));
  const events = await peer.waitForEvents(2);
  const replies = events.map(errorReply).sort((x, y) => x.requestId - y.requestId);
  t.deepEqual(replies, [{ code: 'RPC_DEADLINE_PASSED', requestId: 11 }, { code: 'RPC_FRAME_MALFORMED', requestId: 12 }]);
  await peer.finish();
  t.true(await stillServes(4));
});
