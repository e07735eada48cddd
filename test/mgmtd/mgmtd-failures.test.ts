import test from 'ava';
import type { ChainInfo, RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { MgmtdTestCluster, S } from './cluster.ts';

// Goal: on a simulated cluster (3 managers, storage stand-ins that behave like 3FS storage nodes), the
// manager drives chains exactly as 3FS does: heartbeats keep targets SERVING; a storage node that goes
// silent has its targets demoted (chain version bumped, failed targets to the tail); when it restarts
// its targets go WAITING/SYNCING (never two SYNCING in a chain) and, once they report UPTODATE, SERVING;
// with every replica down the head waits as LASTSRV and serves again first. Same seed, same run.

const shape = (chain: ChainInfo | undefined): string => chain?.targets.map((t) => `${t.targetId}:${t.publicState}`).join(' ') ?? '(none)';
const statesOf = (routing: RoutingInfo): string[] => Object.values(routing.chains).flatMap((c) => c.targets.map((t) => t.publicState));
const targetsOn = (cluster: MgmtdTestCluster, node: string): Set<number> =>
  new Set(cluster.plan.targets.filter((t) => t.nodeId === node).map((t) => t.targetId));

function assertHealthy(t: import('ava').ExecutionContext, cluster: MgmtdTestCluster): void {
  t.deepEqual(cluster.violations, []);
  t.deepEqual(cluster.sim.failures, []);
  for (const service of cluster.services.values()) t.is(service.backgroundFailures, 0);
}

test('heartbeats keep every target SERVING, chains stay at version 1, one primary', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 1, storageNodes: 4, targetsPerNode: 3 });
  cluster.sim.start();
  await cluster.run(6 * S);
  t.true(cluster.setupDone);
  const routing = cluster.latest();
  t.false(routing.bootstrapping);
  t.is(cluster.chains().length, cluster.plan.chains.length);
  t.deepEqual(new Set(statesOf(routing)), new Set(['SERVING']));
  t.deepEqual(new Set(cluster.chains().map((c) => c.chainVersion)), new Set([1]), 'no chain ever changed');
  t.deepEqual(new Set(Object.values(routing.nodes).map((n) => n.status)), new Set(['HEARTBEAT_CONNECTED']));
  t.deepEqual(new Set(Object.values(routing.targets).map((x) => x.localState)), new Set(['UPTODATE']));
  t.is(cluster.managers.filter((id) => cluster.services.get(id)?.isPrimary).length, 1);
  t.deepEqual(routing.chainTables['1']?.['1']?.chainIds, cluster.plan.chainIds);
  assertHealthy(t, cluster);
});

test('a silent storage node is demoted; after a restart its targets resync one per chain and serve again', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 2, storageNodes: 5, targetsPerNode: 3 });
  cluster.sim.start();
  await cluster.run(3 * S);
  const before = new Map(cluster.chains().map((c) => [c.chainId, c.chainVersion]));
  const down = new Set([...targetsOn(cluster, 'storage-1'), ...targetsOn(cluster, 'storage-2')]);
  cluster.sim.crash('storage-1');
  cluster.sim.crash('storage-2');
  await cluster.run(5 * S); // > heartbeat fail (1 s) + check and update rounds
  const demoted = cluster.latest();
  t.is(demoted.nodes['storage-1']?.status, 'HEARTBEAT_FAILED');
  for (const chain of cluster.chains(demoted)) {
    const affected = chain.targets.some((x) => down.has(x.targetId));
    t.is(chain.chainVersion, before.get(chain.chainId)! + (affected ? 1 : 0), `chain ${chain.chainId}: ${shape(chain)}`);
    for (const x of chain.targets) t.is(x.publicState, down.has(x.targetId) ? 'OFFLINE' : 'SERVING', shape(chain));
    const firstDown = chain.targets.findIndex((x) => down.has(x.targetId));
    t.true(firstDown === -1 || chain.targets.slice(firstDown).every((x) => down.has(x.targetId)), `failed targets slide to the tail: ${shape(chain)}`);
  }

  cluster.sim.restart('storage-1');
  cluster.sim.restart('storage-2');
  await cluster.run(10 * S);
  t.deepEqual(new Set(statesOf(cluster.latest())), new Set(['SERVING']));
  const seen = [...cluster.snapshots.values()].flatMap((r) => cluster.chains(r));
  t.true(seen.some((c) => c.targets.some((x) => x.publicState === 'SYNCING')), 'targets went through SYNCING');
  t.true(seen.some((c) => c.targets.some((x) => x.publicState === 'SYNCING') && c.targets.some((x) => x.publicState === 'WAITING')),
    'a chain with two returning targets synced one and kept the other WAITING');
  t.true((cluster.sim.coverage().get('mgmtd: stale heartbeat refused') ?? 0) > 0, 'restarted nodes jumped their heartbeat version');
  assertHealthy(t, cluster);
});

test('with every replica down the head becomes LASTSRV and serves again first', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 3, storageNodes: 3, targetsPerNode: 2 });
  cluster.sim.start();
  await cluster.run(3 * S);
  const heads = new Map(cluster.chains().map((c) => [c.chainId, c.targets[0]!.targetId]));
  for (const node of cluster.storage) cluster.sim.crash(node);
  await cluster.run(5 * S);
  for (const chain of cluster.chains()) {
    t.is(shape(chain), [heads.get(chain.chainId), ...chain.targets.slice(1).map((x) => x.targetId)].map((id, i) => `${id}:${i === 0 ? 'LASTSRV' : 'OFFLINE'}`).join(' '));
  }
  for (const node of cluster.storage) cluster.sim.restart(node);
  await cluster.run(10 * S);
  for (const chain of cluster.chains()) {
    t.is(chain.targets[0]!.targetId, heads.get(chain.chainId)!, 'the last server leads again');
    t.is(chain.targets.filter((x) => x.publicState === 'SERVING').length, chain.targets.length, shape(chain));
  }
  assertHealthy(t, cluster);
});

test('determinism: the same seed gives the same trace and the same routing history', async (t) => {
  const runOnce = async (seed: number): Promise<{ fingerprint: string; history: string }> => {
    const cluster = new MgmtdTestCluster({ seed, storageNodes: 4, targetsPerNode: 3 });
    cluster.sim.start();
    await cluster.run(2 * S);
    cluster.sim.crash('storage-2');
    await cluster.run(4 * S);
    cluster.sim.restart('storage-2');
    cluster.sim.crash(cluster.primary!);
    await cluster.run(9 * S);
    return { fingerprint: cluster.sim.kernel.fingerprint.hex(), history: JSON.stringify([...cluster.snapshots.entries()]) };
  };
  const a = await runOnce(11);
  const b = await runOnce(11);
  t.is(a.fingerprint, b.fingerprint);
  t.is(a.history, b.history);
});
