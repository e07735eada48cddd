import test from 'ava';
import { faultRun } from './fault-run.ts';

// Goal: under crashes, pauses, disk errors and buggify (a few seeds here; scratch runs do hundreds),
// no acknowledged write is lost, every write eventually completes, the chain returns to all SERVING,
// and the replicas end identical.

test('a chain under random faults loses no acknowledged write and converges (8 seeds)', async (t) => {
  let acked = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const result = await faultRun(seed, { rounds: 6 });
    t.deepEqual(result.violations, [], `seed ${seed}`);
    acked += result.acked;
  }
  t.true(acked > 1000, `acknowledged writes: ${acked}`);
});
