import test from 'ava';
import koffi from 'koffi';
import { crc32c } from '../../system/env/crc32c.ts';
import { RealPayload, realPayload, type Payload } from '../../system/env/payload.ts';
import { defineMethod, type RequestContext } from '../../system/env/types.ts';
import { encodeMessage } from '../../system/env/codec.ts';
import { encodeFrame, frameBytes, FrameKind } from '../../system/real/rpc/frame.ts';
import { FrameDecoder, type DecodeEvent } from '../../system/real/rpc/frame-decoder.ts';
import { startCluster } from './helpers.ts';

// Goal: a large request payload (a chunk write) travels out of band, lands in a pooled 4 KiB-aligned
// buffer on the server (no buffer allocated per request, none copied by the codec), arrives knowing
// the checksum the transport computed over it, and its memory goes back to the pool when the handler
// says it is done with it (RequestContext.releasePayloads).

const MS = 1_000_000;
const Put = defineMethod<{ data: Payload }, { ok: true }>(2, 7, 'test.put');

function patterned(sizeBytes: number, seed: number): Uint8Array {
  return new Uint8Array(sizeBytes).map((_, i) => (i * 29 + seed) & 0xff);
}

test('a large request payload lands aligned, knows its checksum, and its buffer is reused once released', async (t) => {
  const cluster = await startCluster(['server', 'client']);
  t.teardown(() => cluster.close());
  const [server, client] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  const seen: Array<{ payload: RealPayload; context: RequestContext; crc: number; intact: boolean }> = [];
  let sent: Uint8Array = new Uint8Array(0);
  server.rpc.serve(Put, async ({ data }, context) => {
    // Read before releasing: the next request may land in the same memory.
    const payload = data as RealPayload;
    seen.push({ payload, context, crc: crc32c(payload.bytes), intact: Buffer.compare(payload.bytes, sent) === 0 });
    context.releasePayloads?.();
    return { ok: true };
  });
  for (const [round, sizeBytes] of [1 << 20, 1 << 20, 1000].entries()) {
    sent = patterned(sizeBytes, round);
    await client.rpc.call('server', Put, { data: realPayload(sent) }, { timeoutNs: 10_000 * MS });
    t.true(seen[round]!.intact, `round ${round}: the payload arrives intact`);
  }
  const [first, second, small] = seen as [typeof seen[0], typeof seen[0], typeof seen[0]];
  for (const { payload, context, crc } of [first, second]) {
    t.is(Number((koffi.address(payload.bytes) as bigint) % 4096n), 0, 'a landed payload is 4 KiB aligned');
    t.is(payload.knownCrc32c, crc, 'it carries the checksum the transport computed');
    t.is(typeof context.releasePayloads, 'function');
  }
  t.is(second.payload.bytes.buffer, first.payload.bytes.buffer, 'the released buffer took the next request');
  t.is(small.payload.knownCrc32c, undefined, 'a small payload travels inline');
  t.is(small.context.releasePayloads, undefined);
});

test('a request tail lands chunk by chunk where the server says, with its own checksum; a corrupt one is caught', (t) => {
  const tail = patterned(700_000, 3);
  const request = { kind: FrameKind.request, serviceId: 3, methodId: 2, requestId: 9, timeoutNs: 1e9 } as const;
  const stream = Buffer.concat([
    frameBytes(encodeFrame(request, encodeMessage({ small: true }).bytes)),
    frameBytes(encodeFrame({ ...request, requestId: 10 }, encodeMessage({ write: 1 }).bytes, [tail])),
    frameBytes(encodeFrame({ ...request, requestId: 11 }, encodeMessage({ after: true }).bytes)),
  ]);
  for (const corrupt of [false, true]) {
    const bytes = Buffer.from(stream);
    const middle = bytes.length >> 1;
    if (corrupt) bytes[middle] = bytes[middle]! ^ 0xff;
    const events: DecodeEvent[] = [];
    const destinations: Uint8Array[] = [];
    const decoder = new FrameDecoder({
      onEvent: (event) => events.push(event),
      requestTailDestination: (tailBytes) => destinations[destinations.push(new Uint8Array(tailBytes + 100)) - 1],
    });
    // As a server socket delivers them: chunks of up to 64 KiB, each in a buffer of its own.
    for (let at = 0; at < bytes.length; at += 65_536) decoder.pushChunk(Buffer.from(bytes.subarray(at, at + 65_536)));
    t.is(destinations.length, 1);
    t.is(decoder.bufferedBytes, 0);
    if (corrupt) {
      t.deepEqual(events.map((event) => event.type), ['frame', 'checksum-mismatch', 'frame']);
      continue;
    }
    const landed = events[1]!.type === 'frame' ? events[1]!.frame : undefined;
    t.is(landed?.tail?.buffer, destinations[0]!.buffer, 'the tail is the server\'s buffer');
    t.is(Buffer.compare(landed!.tail!, tail), 0);
    t.is(landed?.tailCrc32c, crc32c(tail));
    t.deepEqual(events.map((event) => event.type === 'frame' ? event.frame.requestId : event.type), [9, 10, 11]);
  }
});
