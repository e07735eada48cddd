import test from 'ava';
import { Simulation } from '../../sim/simulation.ts';
import type { Env } from '../../system/env/types.ts';

// Goal: no promise continuation ever observes virtual time moving under it. Method: service code
// records env.clock.now() before and after long await chains and Promise.all fan-outs that involve no
// timers; any difference means the kernel advanced time while continuations were still pending.

async function deepChain(env: Env, depth: number): Promise<number> {
  const before = env.clock.now();
  for (let i = 0; i < depth; i++) await null;
  return env.clock.now() - before;
}

async function fanOut(env: Env, width: number, depth: number): Promise<number> {
  const before = env.clock.now();
  const drifts = await Promise.all(Array.from({ length: width }, async (_, i) => {
    let drift = 0;
    for (let level = 0; level < depth + (i % 7); level++) {
      drift = Math.max(drift, await Promise.resolve(env.clock.now() - before));
      await { then: (resolve: (v: number) => void) => resolve(0) }; // a foreign thenable costs extra ticks
    }
    return drift;
  }));
  return Math.max(env.clock.now() - before, ...drifts);
}

test('a continuation 10,000 awaits deep never sees virtual time move', async (t) => {
  const sim = new Simulation({ seed: 1 });
  const drifts: number[] = [];
  sim.addNode('n0', {
    boot: async (env) => {
      for (let round = 0; round < 20; round++) {
        drifts.push(await deepChain(env, 10_000));
        await env.clock.sleep(1_000 + round);
      }
    },
  });
  // A second node keeps events flowing at every microsecond, so time would move if the barrier leaked.
  sim.addNode('ticker', {
    boot: async (env) => {
      for (let i = 0; i < 50_000; i++) await env.clock.sleep(1);
    },
  });
  sim.start();
  await sim.run();
  t.is(drifts.length, 20);
  t.deepEqual(drifts, new Array(20).fill(0));
  t.deepEqual(sim.failures, []);
});

test('Promise.all fan-outs never see virtual time move', async (t) => {
  const sim = new Simulation({ seed: 2 });
  const drifts: number[] = [];
  for (let n = 0; n < 5; n++) {
    sim.addNode(`n${n}`, {
      boot: async (env) => {
        for (let round = 0; round < 50; round++) {
          drifts.push(await fanOut(env, 16, 12));
          await env.clock.sleep(env.random('test').intBetween(1, 100));
        }
      },
    });
  }
  sim.start();
  await sim.run();
  t.is(drifts.length, 250);
  t.true(drifts.every((d) => d === 0), `non-zero drifts: ${drifts.filter((d) => d !== 0).slice(0, 5).join(',')}`);
});

test('time does move between sleeps, by exactly the requested amount', async (t) => {
  const sim = new Simulation({ seed: 3 });
  const observed: number[] = [];
  sim.addNode('n0', {
    boot: async (env) => {
      const start = env.clock.now();
      await env.clock.sleep(1_500);
      observed.push(env.clock.now() - start);
      await Promise.all([env.clock.sleep(10), env.clock.sleep(2_000)]);
      observed.push(env.clock.now() - start);
    },
  });
  sim.start();
  await sim.run();
  t.deepEqual(observed, [1_500, 3_500]);
});
