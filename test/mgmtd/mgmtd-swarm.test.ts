import test from 'ava';
import { randomStream } from '../../system/env/random.ts';
import { MgmtdTestCluster, MS, S } from './cluster.ts';

// Goal: under random crashes and restarts of managers and storage nodes (and buggified lease
// extensions), routing stays consistent at every observation (versions never go back, one snapshot
// per version, at most one SYNCING and always a SERVING/LASTSRV target per chain), and once the faults
// stop, the cluster converges: one primary, every chain fully SERVING.

const SEEDS = 12;
const FAULT_PHASE_NS = 20 * S;
const CALM_PHASE_NS = 15 * S;

test(`random crashes and restarts on ${SEEDS} seeds: consistent throughout, converged after`, async (t) => {
  let crashes = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const cluster = new MgmtdTestCluster({ seed, storageNodes: 5, targetsPerNode: 3, targetRestartDelayNs: 1 * S });
    cluster.sim.buggifyEnabled = true;
    const random = randomStream(seed, 'test', 'mgmtd-swarm');
    cluster.sim.start();
    // Faults: now and then crash a random node (keeping one manager up), restart it a little later.
    while (cluster.sim.kernel.nowNs < FAULT_PHASE_NS) {
      await cluster.run(cluster.sim.kernel.nowNs + random.intBetween(300, 1500) * MS);
      const candidates = [...cluster.managers, ...cluster.storage].filter((id) => cluster.sim.node(id).up);
      const victim = random.pick(candidates);
      if (cluster.managers.includes(victim) && cluster.managers.filter((id) => cluster.sim.node(id).up).length === 1) continue;
      cluster.sim.crash(victim);
      crashes++;
      const downNs = random.intBetween(200, 3000) * MS;
      cluster.sim.after(downNs, () => cluster.sim.restart(victim));
    }
    // Calm: everything back up, no more faults.
    cluster.sim.buggifyEnabled = false;
    for (const node of cluster.sim.nodes) if (!node.up) cluster.sim.restart(node.id);
    await cluster.run(FAULT_PHASE_NS + CALM_PHASE_NS);
    const label = `seed ${seed}`;
    t.deepEqual(cluster.violations, [], label);
    t.deepEqual(cluster.sim.failures, [], label);
    t.true(cluster.setupDone, label);
    t.is(cluster.managers.filter((id) => cluster.services.get(id)?.isPrimary).length, 1, `${label}: one primary`);
    const latest = cluster.latest();
    t.true(cluster.observations.at(-1)!.atNs > FAULT_PHASE_NS + CALM_PHASE_NS - 1 * S, `${label}: the observer still gets answers`);
    const states = Object.values(latest.chains).flatMap((c) => c.targets.map((x) => x.publicState));
    t.deepEqual(new Set(states), new Set(['SERVING']), `${label}: ${JSON.stringify(latest.chains)}`);
    for (const service of cluster.services.values()) t.is(service.backgroundFailures, 0, label);
  }
  t.true(crashes > SEEDS * 5, `crashes: ${crashes}`);
});
