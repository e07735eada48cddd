import test from 'ava';
import { Simulation } from '../../sim/simulation.ts';
import { realPayload, RealPayload, syntheticPayload, type Payload } from '../../system/env/payload.ts';
import { defineMethod } from '../../system/env/types.ts';

// Goal: the two buffer hooks of the Rpc interface behave in simulation as in real mode: a handler's
// afterReply callbacks run once its reply is encoded (nothing refers to lent bytes after that), and a
// caller's receiveInto buffer gets the reply's real payloads; synthetic ones stay identities.

const Fetch = defineMethod<{ synthetic: boolean }, { data: Payload }>(1, 1, 'test.fetch');

test('afterReply runs once the reply is encoded; receiveInto gets real payloads', async (t) => {
  const sim = new Simulation({ seed: 5 });
  const events: string[] = [];
  const lent = new Uint8Array(1000).fill(7);
  const into = new Uint8Array(2000);
  let received: Payload[] = [];
  sim.addNode('server', {
    boot: (env) => {
      env.rpc.serve(Fetch, async ({ synthetic }, context) => {
        t.truthy(context.afterReply);
        context.afterReply!(() => {
          events.push(`released at ${env.clock.now()}`);
          lent.fill(0); // reusing the buffer now must not change the reply
        });
        return { data: synthetic ? syntheticPayload({ contentSeed: 3, sizeBytes: 1 << 20 }) : realPayload(lent) };
      });
    },
  });
  sim.addNode('client', {
    boot: async (env) => {
      const real = await env.rpc.call('server', Fetch, { synthetic: false }, { receiveInto: into });
      events.push(`reply at ${env.clock.now()}`);
      const synthetic = await env.rpc.call('server', Fetch, { synthetic: true }, { receiveInto: into });
      received = [real.data, synthetic.data];
    },
  });
  sim.start();
  await sim.run({ untilNs: 1_000_000_000 });
  t.is(events.length, 3);
  t.regex(events[0]!, /^released at/);
  t.regex(events[1]!, /^reply at/);
  const [real, synthetic] = received as [RealPayload, Payload];
  t.is(real.bytes.buffer, into.buffer, 'the real payload is a view of the receive buffer');
  t.true(real.bytes.every((byte) => byte === 7), 'the reply kept the bytes it was encoded with');
  t.is(synthetic.kind, 'synthetic');
  t.deepEqual(sim.failures, []);
});
