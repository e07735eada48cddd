import test from 'ava';
import type { Env } from '../../system/env/types.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import type { HeartbeatSink, RoutingSource } from '../../system/services/storage/routing-source.ts';
import { MgmtdTestCluster, MS, S } from './cluster.ts';

// Goal: the manager client finds the primary from any starting point, keeps only ever-newer routing
// and tells listeners, recovers from a stale heartbeat version (a restarted sender) by jumping past
// the manager's last one, and plugs into the storage service as its RoutingSource and HeartbeatSink.

function probe(cluster: MgmtdTestCluster, script: (env: Env) => Promise<void>): { done: () => boolean; error: () => unknown } {
  let done = false;
  let error: unknown;
  cluster.sim.addNode('probe', {
    boot: async (env) => {
      await env.clock.sleep(2500 * MS);
      try {
        await script(env);
      } catch (caught) {
        error = caught;
      }
      done = true;
    },
  });
  return { done: () => done, error: () => error };
}

test('finds the primary from any manager, adopts only newer routing, and jumps past a stale heartbeat version', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 41, storageNodes: 3, targetsPerNode: 2 });
  const seen: number[] = [];
  let primaries: Array<string | undefined> = [];
  const heartbeatVersions: number[] = [];
  const run = probe(cluster, async (env) => {
    // Start each client at a different manager: all must end at the same primary.
    primaries = await Promise.all(cluster.managers.map(async (_, i) => {
      const managers = [...cluster.managers.slice(i), ...cluster.managers.slice(0, i)];
      const client = MgmtdClient.start(env, { managers, refreshIntervalNs: 0, callTimeoutNs: 200 * MS });
      await client.refresh();
      return client.primary;
    }));
    const client = MgmtdClient.start(env, { managers: cluster.managers, refreshIntervalNs: 100 * MS, callTimeoutNs: 200 * MS });
    const source: RoutingSource = client;
    const sink: HeartbeatSink = client;
    source.onChange((routing) => seen.push(routing.routingVersion));
    await client.registerNode('CLIENT');
    for (let i = 0; i < 3; i++) heartbeatVersions.push((await client.heartbeat('CLIENT')).routingVersion);
    // A second client for the same node starts its versions over, like a restarted process.
    const restarted = MgmtdClient.start(env, { managers: cluster.managers, refreshIntervalNs: 0, callTimeoutNs: 200 * MS });
    await restarted.heartbeat('CLIENT');
    await sink.report([]).catch(() => undefined); // a CLIENT node reporting as STORAGE is refused, not crashed
    await env.clock.sleep(1 * S);
    client.stop();
  });
  cluster.sim.start();
  await cluster.sim.run({ untilNs: 10 * S, stopWhen: run.done });
  t.true(run.done());
  t.is(run.error(), undefined, String(run.error()));
  t.is(new Set(primaries).size, 1);
  t.is(primaries[0], cluster.primary);
  t.is(heartbeatVersions.length, 3);
  t.true(seen.length > 0 && seen.every((v, i) => i === 0 || v > seen[i - 1]!), `versions seen: ${seen.join(',')}`);
  t.true((cluster.sim.coverage().get('mgmtd: stale heartbeat refused') ?? 0) > 0);
  t.deepEqual(cluster.sim.failures, []);
});
