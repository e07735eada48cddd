import test from 'ava';
import { materialize, payloadEquals, realPayload, syntheticPayload, type Payload } from '../../system/env/payload.ts';
import { defineMethod } from '../../system/env/types.ts';
import { startCluster } from './helpers.ts';

// Goal: the fast paths for large messages — real payloads sent out of band beside the encoded reply,
// large replies read straight into their own buffer, native CRC on big frames — deliver exactly the
// bytes that were sent, wherever the payloads sit in the message and whatever mix of sizes it holds.

const MS = 1_000_000;
const Mirror = defineMethod<{ pieces: Payload[] }, { pieces: Payload[]; nested: { deep: Payload[] } }>(2, 1, 'test.mirror');

function patterned(sizeBytes: number, seed: number): Payload {
  const bytes = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  return realPayload(bytes);
}

test('large and small payloads, nested and side by side, come back byte for byte', async (t) => {
  const cluster = await startCluster(['server', 'client']);
  t.teardown(() => cluster.close());
  const [server, client] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  server.rpc.serve(Mirror, async ({ pieces }) => ({ pieces, nested: { deep: [...pieces].reverse() } }));
  const pieces = [
    patterned(4 << 20, 1),
    patterned(10, 2),
    patterned(64 * 1024, 3),
    syntheticPayload({ contentSeed: 9, sizeBytes: 8 << 20 }),
    patterned(300 * 1024 + 7, 4),
    patterned(0, 5),
  ];
  for (let round = 0; round < 3; round++) {
    const reply = await client.rpc.call('server', Mirror, { pieces }, { timeoutNs: 10_000 * MS });
    t.is(reply.pieces.length, pieces.length);
    pieces.forEach((piece, i) => {
      t.true(payloadEquals(reply.pieces[i]!, piece), `piece ${i} in round ${round}`);
      t.true(payloadEquals(reply.nested.deep[pieces.length - 1 - i]!, piece), `nested piece ${i} in round ${round}`);
    });
    t.is(reply.pieces[3]!.kind, 'synthetic', 'synthetic payloads stay identities on the wire');
    t.deepEqual(materialize(reply.pieces[0]!).subarray(0, 8), materialize(pieces[0]!).subarray(0, 8));
  }
});
