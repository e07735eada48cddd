import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import { materialize, realPayload } from '../../system/env/payload.ts';
import { storageWrite } from '../../system/services/storage/messages.ts';
import { CHAIN, clientWrite, readFrom, TestCluster, writeRequest } from './cluster.ts';

// Goal: local target states follow 3FS: a restarted node stays fenced (reports OFFLINE) while the routing
// still shows its target SERVING, so no update reaches it; it comes back only through OFFLINE ->
// SYNCING (resync) -> SERVING. A target that loses its serving state while alive fences again, and a
// disk error takes a target OFFLINE for good.

const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'ok', (e: unknown) => (isFlyerError(e) ? e.code : Promise.reject(e)));
const text = (o: { ok: boolean; payload?: unknown }): string => (o.ok ? new TextDecoder().decode(materialize(o.payload as never)) : 'error');

test('a restarted replica stays fenced until the manager demotes it, then returns through resync', async (t) => {
  const cluster = new TestCluster({ seed: 8, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    cluster.mgmtd.auto = false;
    const [head, , tail] = cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
    const tailTarget = cluster.targetOf(tail!);
    await clientWrite(env, cluster, { index: 1, payload: realPayload('before'), seq: 1 });
    cluster.sim.crash(tail!);
    cluster.sim.restart(tail!);
    await env.clock.sleep(200_000_000);
    const fenced = { reported: cluster.mgmtd.lastLocalState(tailTarget), states: cluster.services.get(tail!)!.localStates() };
    // A write now cannot complete: the fenced tail refuses updates while the routing still lists it.
    let writeDone = false;
    const write = clientWrite(env, cluster, { index: 1, payload: realPayload('during!'), seq: 2 }).then((x) => ((writeDone = true), x));
    await env.clock.sleep(100_000_000);
    const doneWhileFenced = writeDone;
    cluster.mgmtd.setStates(CHAIN, { [tailTarget]: 'OFFLINE' });
    const result = await write;
    await cluster.waitFor(env, 'the tail reports ONLINE', () => cluster.mgmtd.lastLocalState(tailTarget) === 'ONLINE');
    cluster.mgmtd.setStates(CHAIN, { [tailTarget]: 'SYNCING' });
    await cluster.waitFor(env, 'the resync to complete', () => cluster.mgmtd.lastLocalState(tailTarget) === 'UPTODATE');
    cluster.mgmtd.setStates(CHAIN, { [tailTarget]: 'SERVING' });
    await env.clock.sleep(50_000_000);
    return { fenced, doneWhileFenced, result, headRead: text(await readFrom(env, cluster, head!, 1)), tailRead: text(await readFrom(env, cluster, tail!, 1)) };
  });
  t.is(r.fenced.reported, 'OFFLINE');
  t.deepEqual(r.fenced.states, [{ targetId: 301, localState: 'OFFLINE', phase: 'fencing' }]);
  t.false(r.doneWhileFenced);
  t.is(r.result.commitVersion, 2);
  t.is(r.headRead, 'during!');
  t.is(r.tailRead, 'during!');
});

test('a serving target that loses its serving state fences again; a disk error takes it offline for good', async (t) => {
  const cluster = new TestCluster({ seed: 9, mgmtd: { auto: true } });
  const r = await cluster.run(async (env) => {
    await cluster.waitFor(env, 'every replica SERVING', () => cluster.allServing());
    cluster.mgmtd.auto = false;
    const [head, middle] = cluster.mgmtd.chain(CHAIN).targets.map((x) => cluster.nodeOf(x.targetId));
    // The manager lost the middle's heartbeats (say, a partition) and marked it OFFLINE.
    cluster.mgmtd.setStates(CHAIN, { [cluster.targetOf(middle!)]: 'OFFLINE' });
    await cluster.waitFor(env, 'the middle re-fenced', () => cluster.mgmtd.lastLocalState(cluster.targetOf(middle!)) === 'ONLINE');
    const demoted = cluster.services.get(middle!)!.localStates();
    cluster.sim.node(head!).diskFaults.ioErrorProbability = 1;
    const diskError = await codeOf(env.rpc.call(head!, storageWrite, writeRequest(cluster, { index: 1, payload: realPayload('x'), seq: 1 })));
    cluster.sim.node(head!).diskFaults.ioErrorProbability = 0;
    await cluster.waitFor(env, 'the head reports OFFLINE', () => cluster.mgmtd.lastLocalState(cluster.targetOf(head!)) === 'OFFLINE');
    const afterwards = await codeOf(env.rpc.call(head!, storageWrite, writeRequest(cluster, { index: 1, payload: realPayload('x'), seq: 2 })));
    return { demoted, diskError, afterwards, headStates: cluster.services.get(head!)!.localStates() };
  });
  t.like(r.demoted[0], { localState: 'ONLINE', phase: 'active' });
  t.is(r.diskError, 'CHUNK_ENGINE_IO');
  t.is(r.afterwards, 'STORAGE_TARGET_NOT_SERVING');
  t.like(r.headStates[0], { localState: 'OFFLINE', phase: 'failed' });
  const coverage = cluster.sim.coverage();
  t.true((coverage.get('storage: target lost its serving state and fences again') ?? 0) > 0);
  t.true((coverage.get('storage: disk error took a target offline') ?? 0) > 0);
});
