import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import { materialize, realPayload } from '../../system/env/payload.ts';
import type { Env, NodeId } from '../../system/env/types.ts';
import { storageWrite } from '../../system/services/storage/messages.ts';
import { allMetas, CHAIN, clientWrite, readFrom, TestCluster, writeRequest, type TestWrite } from './cluster.ts';

// Goal: a retried client write can only resume, never apply again (the craq campaign's seeds 504, 804,
// 933 and 1118 broke this). Its retry may reach a head that restarted since (its memory is gone), or
// one that only got the chunk by resync, after a newer write was acknowledged: the head must answer
// it, not write it again over the newer one. And a write that failed half-way down the chain leaves a
// pending version that must not be replaced by another update (the successors already committed it)
// nor stay uncommitted.

const text = (outcome: { ok: boolean; payload?: unknown }): string => (outcome.ok ? new TextDecoder().decode(materialize(outcome.payload as never)) : 'error');
const T: TestWrite = { index: 5, payload: realPayload('retried'), seq: 1, channelId: 1 };
const W: TestWrite = { index: 5, payload: realPayload('written'), seq: 1, channelId: 2 };

async function readEverywhere(env: Env, cluster: TestCluster): Promise<string[]> {
  return Promise.all(cluster.storageNodes.map(async (node) => text(await readFrom(env, cluster, node, T.index))));
}

async function crashUntilOffline(env: Env, cluster: TestCluster, node: NodeId): Promise<void> {
  cluster.sim.crash(node);
  await cluster.waitFor(env, `${node} OFFLINE`, () => cluster.mgmtd.stateOf(cluster.targetOf(node)) === 'OFFLINE');
}

test('a retry reaching a head that restarted since it applied the write is answered, not applied again', async (t) => {
  const cluster = new TestCluster({ seed: 21, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const first = await clientWrite(env, cluster, T);
    // Every node restarts in turn: no in-memory exactly-once state survives anywhere.
    for (const node of cluster.storageNodes) {
      await crashUntilOffline(env, cluster, node);
      cluster.sim.restart(node);
      await cluster.waitFor(env, 'every replica SERVING again', () => cluster.allServing());
    }
    const newer = await clientWrite(env, cluster, W);
    const retried = await clientWrite(env, cluster, T);
    return { first, newer, retried, reads: await readEverywhere(env, cluster) };
  });
  t.is(r.first.commitVersion, 1);
  t.is(r.newer.commitVersion, 2);
  t.is(r.retried.commitVersion, 1, 'the retry was answered with the version it was applied as');
  t.deepEqual(r.reads, ['written', 'written', 'written']);
  t.true((cluster.sim.coverage().get('storage: a retried write was answered from the update ledger') ?? 0) > 0);
});

test('a retry reaching a head that got the chunk only by resync is answered, not applied again', async (t) => {
  const cluster = new TestCluster({ seed: 22, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    const [a, b, c] = cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
    await crashUntilOffline(env, cluster, c!);
    const first = await clientWrite(env, cluster, T); // reaches a and b only
    cluster.sim.restart(c!);
    await cluster.waitFor(env, 'the restarted replica resynced', () => cluster.allServing());
    // a and b go: c, which never saw the write but holds it by resync, heads the chain alone.
    await crashUntilOffline(env, cluster, a!);
    await crashUntilOffline(env, cluster, b!);
    await cluster.waitFor(env, `${c} heads the chain`, () => cluster.headNode() === c);
    const newer = await clientWrite(env, cluster, W);
    const retried = await clientWrite(env, cluster, T);
    return { first, newer, retried, read: text(await readFrom(env, cluster, c!, T.index)) };
  });
  t.is(r.first.commitVersion, 1);
  t.is(r.newer.commitVersion, 2);
  t.is(r.retried.commitVersion, 1);
  t.is(r.read, 'written');
});

/** The head's write fails: its forwards time out while the tail is paused, and the tail commits it once resumed. */
async function failHalfway(env: Env, cluster: TestCluster): Promise<{ head: NodeId; code: unknown }> {
  await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
  cluster.mgmtd.auto = false; // the chain stays as it is: nothing but the head can settle the write
  const [head, , tail] = cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
  cluster.sim.pause(tail!);
  const code = await env.rpc.call(head!, storageWrite, writeRequest(cluster, T), { timeoutNs: 2_000_000_000 })
    .then(() => 'ok', (error: unknown) => (isFlyerError(error) ? error.code : Promise.reject(error)));
  cluster.sim.resume(tail!);
  await env.clock.sleep(50_000_000);
  return { head: head!, code };
}

const FAILING_FORWARDS = { forward: { attemptTimeoutNs: 50_000_000, backoffNs: 10_000_000, backoffNsMax: 20_000_000, totalTimeoutNs: 300_000_000 } };

test("the head commits a failed write's pending version before the chunk's next write", async (t) => {
  // No background re-drive in this test (its scan never comes): the next write must settle it itself.
  const cluster = new TestCluster({ seed: 23, mgmtd: { auto: true }, storage: { ...FAILING_FORWARDS, resync: { scanIntervalNs: 600_000_000_000 } } });
  const r = await cluster.run(async (env) => {
    const { code } = await failHalfway(env, cluster);
    const leftOver = await allMetas(env, cluster);
    const newer = await clientWrite(env, cluster, W);
    const retried = await clientWrite(env, cluster, T);
    return { code, leftOver, newer, retried, reads: await readEverywhere(env, cluster), metas: await allMetas(env, cluster) };
  });
  t.not(r.code, 'ok', 'the write failed');
  t.deepEqual([...r.leftOver.values()].map((m) => [m[0]!.commitVersion, m[0]!.updateVersion]), [[0, 1], [0, 1], [1, 1]],
    'the tail committed the write its predecessors gave up on');
  t.is(r.newer.commitVersion, 2, 'the next write took the next version');
  t.is(r.retried.commitVersion, 1, 'the failed write, retried, was found committed');
  t.deepEqual(r.reads, ['written', 'written', 'written']);
  const metas = [...r.metas.values()];
  for (const m of metas) t.deepEqual(m, metas[0], 'replicas identical');
  t.true((cluster.sim.coverage().get('storage: a head committed a failed update before the next one') ?? 0) > 0);
});

test("a retried write resumes its own pending version, and a failed write's version commits in the background", async (t) => {
  const resumed = new TestCluster({ seed: 24, mgmtd: { auto: true }, storage: { ...FAILING_FORWARDS, resync: { scanIntervalNs: 600_000_000_000 } } });
  const retried = await resumed.run(async (env) => {
    await failHalfway(env, resumed);
    return clientWrite(env, resumed, T);
  });
  t.is(retried.commitVersion, 1);
  t.true((resumed.sim.coverage().get('storage: a retried write resumed its own pending version') ?? 0) > 0);

  const background = new TestCluster({ seed: 25, mgmtd: { auto: true }, storage: FAILING_FORWARDS });
  const metas = await background.run(async (env) => {
    await failHalfway(env, background);
    await env.clock.sleep(500_000_000);
    return allMetas(env, background);
  });
  t.deepEqual([...metas.values()].map((m) => [m[0]!.commitVersion, m[0]!.updateVersion]), [[1, 1], [1, 1], [1, 1]]);
  t.true((background.sim.coverage().get('storage: a head re-drove a pending version a failed update left') ?? 0) > 0);
});
