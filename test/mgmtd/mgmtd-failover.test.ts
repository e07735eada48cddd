import test from 'ava';
import { readRoutingVersion } from '../../system/services/mgmtd/mgmtd-store.ts';
import { MgmtdTestCluster, S, TEST_MGMTD_OPTIONS } from './cluster.ts';

// Goal: with 3 managers, crashing the primary makes another take over, but only once the lease has
// expired; the new primary reloads everything from the KV (chains, tables, targets, nodes) and keeps
// routing consistent: versions never go down, one version is one snapshot, and bootstrapping stops a
// new primary (which starts with every target OFFLINE) from demoting healthy chains.

test('crashing the primary: another takes over after the lease expires, and routing stays consistent', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 21, storageNodes: 4, targetsPerNode: 3 });
  cluster.sim.start();
  await cluster.run(4 * S);
  const first = cluster.primary!;
  t.truthy(first);
  const before = cluster.latest();
  const crashNs = cluster.sim.kernel.nowNs;
  cluster.sim.crash(first);

  await cluster.run(12 * S);
  const second = cluster.primary!;
  t.truthy(second);
  t.not(second, first);
  const takeover = cluster.observations.find((o) => o.primary === second)!;
  const { leaseLengthNs, extendLeaseIntervalNs } = TEST_MGMTD_OPTIONS;
  t.true(takeover.atNs >= crashNs + leaseLengthNs! - extendLeaseIntervalNs!, `took over at ${takeover.atNs}, crash at ${crashNs}: before the lease could expire`);
  t.true(takeover.routingVersion > before.routingVersion);

  const after = cluster.latest();
  t.is(after.primary, second);
  t.false(after.bootstrapping);
  t.deepEqual(after.chains, before.chains, 'chains survived the takeover unchanged (no spurious demotion)');
  t.deepEqual(after.chainTables, before.chainTables);
  t.deepEqual(Object.keys(after.targets), Object.keys(before.targets));
  t.deepEqual(Object.keys(after.nodes), Object.keys(before.nodes));
  t.true(cluster.snapshots.has(takeover.routingVersion) && cluster.snapshots.get(takeover.routingVersion)!.bootstrapping, 'the first snapshot of a new primary says bootstrapping');
  t.deepEqual(cluster.violations, []);
  t.deepEqual(cluster.sim.failures, []);
});

test('two managers down in turn: a survivor takes over each time; a restarted manager does not steal a live lease', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 22, storageNodes: 3, targetsPerNode: 2 });
  cluster.sim.start();
  await cluster.run(3 * S);
  const first = cluster.primary!;
  cluster.sim.crash(first);
  await cluster.run(8 * S);
  const second = cluster.primary!;
  t.not(second, first);
  cluster.sim.crash(second);
  cluster.sim.restart(first);
  await cluster.run(14 * S);
  const third = cluster.primary!;
  t.truthy(third);
  t.not(third, second);
  // Either survivor may win (the restarted first manager is a candidate too); there were two handovers.
  const handovers = cluster.observations.filter((o, i) => i > 0 && o.primary !== cluster.observations[i - 1]!.primary);
  t.is(handovers.length, 2, handovers.map((o) => o.primary).join(', '));
  // Leadership is stable from here on: the restarted managers find a live lease held by someone else.
  cluster.sim.restart(second);
  await cluster.run(18 * S);
  t.is(cluster.primary, third);
  t.is(cluster.managers.filter((id) => cluster.services.get(id)?.isPrimary && cluster.sim.node(id).up).length, 1);
  t.deepEqual(new Set(Object.values(cluster.latest().chains).flatMap((c) => c.targets.map((x) => x.publicState))), new Set(['SERVING']));
  t.deepEqual(cluster.violations, []);
  t.deepEqual(cluster.sim.failures, []);
});

test('a routing version is persisted before anyone sees it: the KV holds at least the newest version served', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 23, storageNodes: 3, targetsPerNode: 2 });
  cluster.sim.start();
  await cluster.run(3 * S);
  cluster.sim.crash('storage-3');
  await cluster.run(6 * S);
  const served = Math.max(...cluster.snapshots.keys());
  const stored = await cluster.kv.store('mgmtd').transact((txn) => readRoutingVersion(txn));
  t.true(stored >= served, `stored ${stored}, served ${served}`);
});
