import test from 'ava';
import { runSeed } from '../../sim/runner.ts';
import { checkCounterHistory } from '../../system/services/toy/counter-fault-test.ts';

// Goal: the toy replicated counter survives crashes, partitions, loss and disk faults in simulation
// (no acknowledged increment lost, no value acknowledged twice, no stale leader read, replicas converge),
// and the checker that says so does flag each kind of violation.

test('the toy counter passes its fault test on 30 swarm seeds', async (t) => {
  let acked = 0;
  let crashes = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const result = await runSeed('toy-counter', seed);
    t.deepEqual(result.violations, [], `seed ${seed}`);
    acked += result.stats.acked ?? 0;
    crashes += result.stats.crashes ?? 0;
  }
  t.is(acked, 30 * 45, 'every client finished every increment');
  t.true(crashes > 0, 'the nemesis crashed something');
});

const base = {
  acked: [
    { clientId: 'a', seq: 1, value: 1, startNs: 0, endNs: 10 },
    { clientId: 'a', seq: 2, value: 2, startNs: 20, endNs: 30 },
  ],
  reads: [{ value: 2, startNs: 40 }],
  attempted: 2,
  finalStates: [{ node: 'L', value: 2, version: 2 }, { node: 'F', value: 2, version: 2 }],
  converged: true,
};

test('the checker accepts a consistent history', (t) => {
  t.deepEqual(checkCounterHistory(base, 'L'), []);
});

test('the checker flags a lost acknowledged increment', (t) => {
  const v = checkCounterHistory({ ...base, finalStates: [{ node: 'L', value: 1, version: 1 }, { node: 'F', value: 1, version: 1 }] }, 'L');
  t.true(v.some((m) => m.includes('lost')), v.join('; '));
});

test('the checker flags a value acknowledged twice', (t) => {
  const v = checkCounterHistory({ ...base, acked: [...base.acked, { clientId: 'b', seq: 1, value: 2, startNs: 25, endNs: 35 }], attempted: 3 }, 'L');
  t.true(v.some((m) => m.includes('two increments')), v.join('; '));
});

test('the checker flags a stale read and a divergence', (t) => {
  const v = checkCounterHistory({ ...base, reads: [{ value: 1, startNs: 40 }], converged: false }, 'L');
  t.true(v.some((m) => m.includes('stale read')), v.join('; '));
  t.true(v.some((m) => m.includes('converge')), v.join('; '));
});
