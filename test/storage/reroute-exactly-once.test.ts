import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import { materialize, realPayload } from '../../system/env/payload.ts';
import type { Env } from '../../system/env/types.ts';
import { storageWrite } from '../../system/services/storage/messages.ts';
import { CHAIN, clientWrite, readFrom, TestCluster, writeRequest } from './cluster.ts';

// Goal: an update in flight when the chain changes is re-routed to the new successor instead of failing,
// and client writes apply exactly once: a retry with the same (channel, seq) gets the cached result, an
// older seq is refused, a concurrent duplicate is told the channel is busy, and after the head fails
// the new head still answers the retry from its table.

const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'ok', (e: unknown) => (isFlyerError(e) ? e.code : Promise.reject(e)));
const text = (outcome: { ok: boolean; payload?: unknown }): string => (outcome.ok ? new TextDecoder().decode(materialize(outcome.payload as never)) : 'error');

async function bringUp(env: Env, cluster: TestCluster): Promise<string[]> {
  await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
  return cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
}

test('a write racing a chain change is re-routed to the new successor', async (t) => {
  const cluster = new TestCluster({ seed: 2, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    const [head, middle, tail] = await bringUp(env, cluster);
    cluster.mgmtd.auto = false;
    const versionBefore = cluster.mgmtd.chain(CHAIN).chainVersion;
    cluster.sim.pause(middle!); // the head's forwards to the middle now time out
    const write = clientWrite(env, cluster, { index: 1, payload: realPayload('rerouted'), seq: 1 });
    await env.clock.sleep(150_000_000);
    cluster.mgmtd.setStates(CHAIN, { [cluster.targetOf(middle!)]: 'OFFLINE' });
    const result = await write;
    cluster.sim.resume(middle!);
    return {
      result, versionBefore, versionAfter: cluster.mgmtd.chain(CHAIN).chainVersion,
      headRead: text(await readFrom(env, cluster, head!, 1)), tailRead: text(await readFrom(env, cluster, tail!, 1)),
    };
  });
  t.is(r.versionAfter, r.versionBefore + 1);
  t.is(r.result.commitChainVersion, r.versionAfter, 'committed under the new chain version');
  t.is(r.headRead, 'rerouted');
  t.is(r.tailRead, 'rerouted');
  t.true((cluster.sim.coverage().get('storage: a write raced a chain change') ?? 0) > 0);
});

test('client writes apply exactly once, across retries and a head failover', async (t) => {
  const cluster = new TestCluster({ seed: 3, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    const [head] = await bringUp(env, cluster);
    const first = await clientWrite(env, cluster, { index: 3, payload: realPayload('one'), seq: 1 });
    const retried = await clientWrite(env, cluster, { index: 3, payload: realPayload('one'), seq: 1 });
    const second = await clientWrite(env, cluster, { index: 3, offsetBytes: 3, payload: realPayload('two'), seq: 2 });
    const stale = await codeOf(clientWrite(env, cluster, { index: 3, payload: realPayload('old'), seq: 1 }));
    const call = () => env.rpc.call(head!, storageWrite, writeRequest(cluster, { index: 3, offsetBytes: 6, payload: realPayload('three'), seq: 3 }));
    const concurrent = await Promise.all([codeOf(call()), codeOf(call())]);
    const third = await clientWrite(env, cluster, { index: 3, offsetBytes: 6, payload: realPayload('three'), seq: 3 });
    // The head dies; the manager makes the next replica head; the client's retry of seq 3 lands there.
    cluster.sim.crash(head!);
    await cluster.waitFor(env, 'a new head', () => cluster.headNode() !== undefined && cluster.headNode() !== head);
    const afterFailover = await clientWrite(env, cluster, { index: 3, offsetBytes: 6, payload: realPayload('three'), seq: 3 });
    const newHead = cluster.headNode()!;
    return { first, retried, second, stale, concurrent, third, afterFailover, read: text(await readFrom(env, cluster, newHead, 3)) };
  });
  t.deepEqual(r.retried, r.first);
  t.is(r.second.commitVersion, 2, 'the retry did not apply the write again');
  t.is(r.stale, 'STORAGE_DUPLICATE_UPDATE');
  t.deepEqual([...r.concurrent].sort(), ['STORAGE_CHANNEL_BUSY', 'ok']);
  t.is(r.third.commitVersion, 3);
  t.is(r.afterFailover.commitVersion, 3, 'the new head answered from its channel table');
  t.is(r.read, 'onetwothree');
  t.true((cluster.sim.coverage().get('storage: a retried update was answered from the channel table') ?? 0) >= 2);
});
