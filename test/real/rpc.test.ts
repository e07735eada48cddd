import test from 'ava';
import { FlyerError, isFlyerError } from '../../system/env/errors.ts';
import { payloadEquals, realPayload, syntheticPayload, type Payload } from '../../system/env/payload.ts';
import { defineMethod, type RequestContext } from '../../system/env/types.ts';
import { createRealEnv } from '../../system/real/real-env.ts';
import { startCluster, tempDir } from './helpers.ts';

const MS = 1_000_000;
const Echo = defineMethod<{ text: string; payload?: Payload }, { text: string; from: string; deadlineInNs: number; payload?: Payload }>(1, 1, 'test.echo');
const Fail = defineMethod<{ how: 'coded' | 'plain' }, never>(1, 2, 'test.fail');
const Slow = defineMethod<{ delayNs: number }, string>(1, 3, 'test.slow');
const Missing = defineMethod<null, null>(1, 99, 'test.missing');

async function echoCluster() {
  const cluster = await startCluster(['a', 'b']);
  const [a, b] = cluster.envs as [typeof cluster.envs[0], typeof cluster.envs[0]];
  a.rpc.serve(Echo, async (request, context: RequestContext) => ({
    text: request.text.toUpperCase(), from: context.from, deadlineInNs: context.deadlineNs - a.clock.now(), payload: request.payload,
  }));
  a.rpc.serve(Fail, async (request) => {
    if (request.how === 'coded') throw new FlyerError('TOY_NOT_LEADER', 'leader is c');
    throw new Error('plain failure');
  });
  a.rpc.serve(Slow, async (request) => {
    await a.clock.sleep(request.delayNs);
    return 'done';
  });
  return { cluster, a, b };
}

test('a typed call round-trips between two envs and the handler learns the caller', async (t) => {
  const { cluster, b } = await echoCluster();
  t.teardown(() => cluster.close());
  const reply = await b.rpc.call('a', Echo, { text: 'hello' }, { timeoutNs: 2_000 * MS });
  t.is(reply.text, 'HELLO');
  t.is(reply.from, 'b');
  t.true(reply.deadlineInNs > 1_000 * MS && reply.deadlineInNs <= 2_000 * MS, `deadline ${reply.deadlineInNs} ns ahead`);
});

test('payloads inside messages survive the wire', async (t) => {
  const { cluster, b } = await echoCluster();
  t.teardown(() => cluster.close());
  const real = realPayload(new Uint8Array(300_000).map((_, i) => i % 253));
  const synthetic = syntheticPayload({ contentSeed: 17, offsetBytes: 4096, sizeBytes: 1 << 30 });
  const gotReal = await b.rpc.call('a', Echo, { text: 'r', payload: real });
  const gotSynthetic = await b.rpc.call('a', Echo, { text: 's', payload: synthetic });
  t.true(payloadEquals(gotReal.payload!, real));
  t.is(gotSynthetic.payload?.kind, 'synthetic');
  t.deepEqual(gotSynthetic.payload, synthetic);
});

test('many concurrent calls are multiplexed on one connection', async (t) => {
  const { cluster, b } = await echoCluster();
  t.teardown(() => cluster.close());
  const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => b.rpc.call('a', Echo, { text: `m${i}` })));
  t.deepEqual(replies.map((reply) => reply.text), Array.from({ length: 200 }, (_, i) => `M${i}`));
});

test('a call to self goes over loopback', async (t) => {
  const { cluster, a } = await echoCluster();
  t.teardown(() => cluster.close());
  const reply = await a.rpc.call('a', Echo, { text: 'me' });
  t.is(reply.from, 'a');
  t.is(reply.text, 'ME');
});

test('handler errors keep their code across the wire', async (t) => {
  const { cluster, a, b } = await echoCluster();
  t.teardown(() => cluster.close());
  const coded = await t.throwsAsync(b.rpc.call('a', Fail, { how: 'coded' }));
  t.true(isFlyerError(coded, 'TOY_NOT_LEADER'));
  t.is((coded as FlyerError).detail, 'leader is c');
  const plain = await t.throwsAsync(b.rpc.call('a', Fail, { how: 'plain' }));
  t.true(isFlyerError(plain, 'RPC_HANDLER_FAILED'));
  t.regex(plain!.message, /plain failure/);
  const missing = await t.throwsAsync(b.rpc.call('a', Missing, null));
  t.true(isFlyerError(missing, 'RPC_UNKNOWN_METHOD'));
  const counters = a.metrics.snapshot().counters;
  t.is(counters['rpc.server.error_replies{code="TOY_NOT_LEADER"}'], 1);
  t.is(counters['rpc.server.error_replies{code="RPC_UNKNOWN_METHOD"}'], 1);
});

test('a call past its deadline fails with RPC_TIMEOUT and later calls still work', async (t) => {
  const { cluster, b } = await echoCluster();
  t.teardown(() => cluster.close());
  const error = await t.throwsAsync(b.rpc.call('a', Slow, { delayNs: 400 * MS }, { timeoutNs: 30 * MS }));
  t.true(isFlyerError(error, 'RPC_TIMEOUT'));
  t.regex(error!.message, /test\.slow to a/);
  t.true(isFlyerError(await t.throwsAsync(b.rpc.call('a', Echo, { text: 'x' }, { timeoutNs: 0 })), 'RPC_TIMEOUT'));
  t.is(await b.rpc.call('a', Slow, { delayNs: 1 * MS }), 'done');
  t.true(isFlyerError(await t.throwsAsync(b.rpc.call('a', Echo, { text: 'x' }, { timeoutNs: -5 })), 'INVALID_ARGUMENT'));
});

test('abort rejects a call with ABORTED, before or during it', async (t) => {
  const { cluster, b } = await echoCluster();
  t.teardown(() => cluster.close());
  const controller = new AbortController();
  const pending = b.rpc.call('a', Slow, { delayNs: 500 * MS }, { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  t.true(isFlyerError(await t.throwsAsync(pending), 'ABORTED'));
  t.true(isFlyerError(await t.throwsAsync(b.rpc.call('a', Echo, { text: 'x' }, { signal: controller.signal })), 'ABORTED'));
  t.is((await b.rpc.call('a', Echo, { text: 'after' })).text, 'AFTER');
});

test('unknown and unreachable peers fail with RPC_UNREACHABLE', async (t) => {
  const { cluster, b } = await echoCluster();
  t.teardown(() => cluster.close());
  t.true(isFlyerError(await t.throwsAsync(b.rpc.call('nobody', Echo, { text: 'x' })), 'RPC_UNREACHABLE'));
  // A port that was just free: nothing listens there.
  const dir = await tempDir('ghost');
  t.teardown(() => dir.cleanup());
  const ghost = createRealEnv({ nodeId: 'ghost', dataDir: dir.path, logLevel: 'error' });
  const { rpc } = await ghost.start();
  await ghost.close();
  b.rpc.addPeer('ghost', rpc);
  const error = await t.throwsAsync(b.rpc.call('ghost', Echo, { text: 'x' }));
  t.true(isFlyerError(error, 'RPC_UNREACHABLE'));
  t.regex(error!.message, /ECONNREFUSED/);
});

test('a dropped connection fails pending calls, and the next call reconnects', async (t) => {
  const { cluster, a, b } = await echoCluster();
  t.teardown(() => cluster.close());
  const port = a.addresses!.rpc.port;
  t.is((await b.rpc.call('a', Echo, { text: 'before' })).text, 'BEFORE');
  const pending = b.rpc.call('a', Slow, { delayNs: 2_000 * MS }, { timeoutNs: 5_000 * MS });
  await new Promise((resolve) => setTimeout(resolve, 20));
  await a.close();
  t.true(isFlyerError(await t.throwsAsync(pending), 'RPC_CONNECTION_CLOSED'));

  const dir = await tempDir('restart');
  t.teardown(() => dir.cleanup());
  const restarted = createRealEnv({ nodeId: 'a', dataDir: dir.path, listen: { host: '127.0.0.1', port }, logLevel: 'error' });
  restarted.rpc.serve(Echo, async (request, context) => ({ text: `again ${request.text}`, from: context.from, deadlineInNs: 0 }));
  await restarted.start();
  t.teardown(() => restarted.close());
  t.is((await b.rpc.call('a', Echo, { text: 'after' })).text, 'again after');
});

test('serve refuses the transport service id and double registration', async (t) => {
  const { cluster, a } = await echoCluster();
  t.teardown(() => cluster.close());
  const reserved = t.throws(() => a.rpc.serve(defineMethod<null, null>(0, 5, 'bad.reserved'), async () => null));
  t.true(isFlyerError(reserved, 'INVALID_ARGUMENT'));
  const twice = t.throws(() => a.rpc.serve(Echo, async () => ({ text: '', from: '', deadlineInNs: 0 })));
  t.true(isFlyerError(twice, 'INVALID_ARGUMENT'));
});

test('close() leaves no server, connection or timer behind', async (t) => {
  const { cluster, a, b } = await echoCluster();
  await b.rpc.call('a', Echo, { text: 'x' });
  const timer = a.clock.setTimer(60_000 * MS, () => t.fail('timer outlived close'));
  t.is(a.clock.activeTimerCount, 1);
  await cluster.close();
  t.is(a.clock.activeTimerCount, 0);
  timer.cancel();
  t.true(isFlyerError(await t.throwsAsync(b.rpc.call('a', Echo, { text: 'x' })), 'RPC_CONNECTION_CLOSED'));
});
