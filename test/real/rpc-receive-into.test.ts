import test from 'ava';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { encodeMessage } from '../../system/env/codec.ts';
import { FlyerError, isFlyerError } from '../../system/env/errors.ts';
import { crc32c } from '../../system/env/crc32c.ts';
import { RealPayload, realPayload, type Payload } from '../../system/env/payload.ts';
import { defineMethod } from '../../system/env/types.ts';
import { encodeFrame, frameBytes, FrameKind } from '../../system/real/rpc/frame.ts';
import { FrameDecoder } from '../../system/real/rpc/frame-decoder.ts';
import { startCluster } from './helpers.ts';

// Goal: replies can land in a buffer the caller gives (CallOptions.receiveInto, the USRBIO path of
// chunk reads) without ever writing into it after the call is over, and a handler can lend buffers to
// its reply and get them back once the reply is written (RequestContext.afterReply).

const MS = 1_000_000;
const Echo = defineMethod<{ data: Payload; fail?: boolean }, { data: Payload; crc: number }>(2, 1, 'test.echo');

function patterned(sizeBytes: number, seed: number): Uint8Array {
  return new Uint8Array(sizeBytes).map((_, i) => (i * 31 + seed) & 0xff);
}

test('a large reply lands in the receive buffer, and so does a small one', async (t) => {
  const cluster = await startCluster(['server', 'client']);
  t.teardown(() => cluster.close());
  const [server, client] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  server.rpc.serve(Echo, async ({ data }) => ({ data, crc: 1 }));
  const into = new Uint8Array(5 << 20);
  for (const [round, sizeBytes] of [4 << 20, 1000, (4 << 20) + 3].entries()) {
    const sent = patterned(sizeBytes, round);
    const reply = await client.rpc.call('server', Echo, { data: realPayload(sent) }, { timeoutNs: 10_000 * MS, receiveInto: into });
    const bytes = (reply.data as RealPayload).bytes;
    t.is(bytes.buffer, into.buffer, `${sizeBytes} bytes: the payload is a view of the receive buffer`);
    t.is(bytes.byteOffset, into.byteOffset);
    t.is(Buffer.compare(bytes, sent), 0, `${sizeBytes} bytes arrive intact`);
  }
  // A buffer too small for the payload is not used.
  const small = new Uint8Array(10);
  const reply = await client.rpc.call('server', Echo, { data: realPayload(patterned(1 << 20, 9)) }, { timeoutNs: 10_000 * MS, receiveInto: small });
  t.not((reply.data as RealPayload).bytes.buffer, small.buffer);
  t.is(Buffer.compare((reply.data as RealPayload).bytes, patterned(1 << 20, 9)), 0);
});

test('afterReply callbacks run once the reply is written, and after an error reply', async (t) => {
  const cluster = await startCluster(['server', 'client']);
  t.teardown(() => cluster.close());
  const [server, client] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  const released: string[] = [];
  server.rpc.serve(Echo, async ({ data, fail }, context) => {
    t.truthy(context.afterReply, 'real mode can tell when a reply is written');
    context.afterReply!(() => released.push(fail ? 'error reply' : 'reply'));
    if (fail) throw new FlyerError('STORAGE_OVERLOADED', 'on purpose');
    return { data, crc: 0 };
  });
  const sent = patterned(4 << 20, 3);
  const reply = await client.rpc.call('server', Echo, { data: realPayload(sent) }, { timeoutNs: 10_000 * MS });
  t.is(Buffer.compare((reply.data as RealPayload).bytes, sent), 0);
  const error = await t.throwsAsync(client.rpc.call('server', Echo, { data: realPayload('x'), fail: true }, { timeoutNs: 10_000 * MS }));
  t.true(isFlyerError(error, 'STORAGE_OVERLOADED'));
  for (let i = 0; i < 100 && released.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.deepEqual(released.sort(), ['error reply', 'reply']);
});

// Serial, with a deadline well past the first half's arrival: the point is a call that times out mid-reply.
test.serial('a call that gives up while its reply lands closes the connection: the buffer is not written again', async (t) => {
  // A server that sends half of a large reply, then the rest only after the caller has timed out.
  const chunk = patterned(2 << 20, 5);
  const sockets: Socket[] = [];
  const closed: Socket[] = [];
  let sendRest: (() => void) | undefined;
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('close', () => closed.push(socket));
    const decoder = new FrameDecoder({
      onEvent: (event) => {
        if (event.type !== 'frame') return;
        const reply = frameBytes(encodeFrame(
          { kind: FrameKind.responseOk, serviceId: 2, methodId: 1, requestId: event.frame.requestId, timeoutNs: 0 },
          encodeMessage({ data: new RealPayload(chunk), crc: 0 }, { outOfBand: true }).bytes, [chunk], [crc32c(chunk)],
        ));
        const half = reply.length >> 1;
        socket.write(reply.subarray(0, half));
        sendRest = () => socket.write(reply.subarray(half));
      },
    });
    socket.on('data', (data: Buffer) => decoder.push(data));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const cluster = await startCluster(['client']);
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await cluster.close();
  });
  const client = cluster.envs[0]!;
  client.rpc.addPeer('slow', { host: '127.0.0.1', port });
  const into = new Uint8Array(chunk.length);
  const error = await t.throwsAsync(client.rpc.call('slow', Echo, { data: realPayload('x') }, { timeoutNs: 1500 * MS, receiveInto: into }));
  t.true(isFlyerError(error, 'RPC_TIMEOUT'));
  // The caller reuses its buffer at once; the rest of the old reply must not reach it.
  into.fill(0xaa);
  sendRest?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.true(into.every((byte) => byte === 0xaa), 'nothing was written into the buffer after the call gave up');
  for (let i = 0; i < 500 && closed.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.is(sockets.length, 1);
  t.is(closed[0], sockets[0], 'the connection was closed');
});
