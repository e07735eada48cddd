import test from 'ava';
import { Simulation } from '../../sim/simulation.ts';
import { defineMethod } from '../../system/env/types.ts';

// Goal: a crash ends an incarnation for good. Its pending promises (sleeps, timers, RPC calls, disk I/O)
// never resolve, and the restarted node sees only the data it synced before the crash.

test("a crashed node's pending promises never resolve", async (t) => {
  const sim = new Simulation({ seed: 11 });
  const settled: string[] = [];
  const slow = defineMethod<Record<string, never>, number>(1, 1, 'test.slow');
  sim.addNode('server', {
    boot: (env) => {
      env.rpc.serve(slow, async () => {
        await env.clock.sleep(50_000_000);
        return 42;
      });
    },
  });
  sim.addNode('victim', {
    boot: async (env) => {
      if (env.clock.now() > 0) return; // the second incarnation does nothing
      const track = (name: string, p: Promise<unknown>): void => {
        p.then(() => settled.push(`${name} resolved`), () => settled.push(`${name} rejected`));
      };
      track('sleep', env.clock.sleep(10_000_000));
      track('rpc', env.rpc.call('server', slow, {}, { timeoutNs: 1_000_000_000 }));
      const file = await env.disk.open('f', { create: true });
      track('write', file.write(0, new Uint8Array(1 << 20)));
      env.clock.setTimer(20_000_000, () => settled.push('timer fired'));
      track('cpu', env.cpu.charge(30_000_000));
    },
  });
  sim.start();
  await sim.run({ untilNs: 1_000 });
  sim.crash('victim');
  await sim.run({ untilNs: 200_000_000 });
  sim.restart('victim');
  await sim.run({ untilNs: 2_000_000_000 });
  t.deepEqual(settled, []);
  t.true(sim.kernel.droppedWakes >= 4, `dropped wakes: ${sim.kernel.droppedWakes}`);
  t.deepEqual(sim.failures, []);
});

test('after a restart a node sees only the data it synced', async (t) => {
  const sim = new Simulation({ seed: 12 });
  const seen: string[] = [];
  sim.addNode('n', {
    boot: async (env) => {
      if (await env.disk.exists('log')) {
        const file = await env.disk.open('log');
        seen.push(new TextDecoder().decode(await file.read(0, file.sizeBytes())));
        return;
      }
      const file = await env.disk.open('log', { create: true });
      await file.write(0, new TextEncoder().encode('synced;'));
      await file.sync();
      await file.write(7, new TextEncoder().encode('unsynced;'));
      seen.push(new TextDecoder().decode(await file.read(0, file.sizeBytes())));
    },
  });
  sim.start();
  await sim.run();
  sim.crash('n');
  sim.restart('n');
  await sim.run();
  t.deepEqual(seen, ['synced;unsynced;', 'synced;']);
});

test('a paused node resumes where it was, with its wakes delivered late', async (t) => {
  const sim = new Simulation({ seed: 13 });
  const wokeAt: number[] = [];
  sim.addNode('n', {
    boot: async (env) => {
      await env.clock.sleep(1_000);
      wokeAt.push(env.clock.now());
    },
  });
  sim.start();
  await sim.run({ untilNs: 500 });
  sim.pause('n');
  await sim.run({ untilNs: 5_000 });
  t.deepEqual(wokeAt, []);
  sim.resume('n');
  await sim.run();
  t.deepEqual(wokeAt, [5_000]);
});

test('many sleeps and calls on one long-lived abort signal leave no listeners behind', async (t) => {
  const sim = new Simulation({ seed: 14 });
  const ping = defineMethod<Record<string, never>, number>(1, 2, 'test.ping');
  let completed = 0;
  sim.addNode('server', { boot: (env) => env.rpc.serve(ping, async () => 1) });
  sim.addNode('n', {
    boot: async (env) => {
      const controller = new AbortController();
      for (let i = 0; i < 50; i++) {
        await env.clock.sleep(10, controller.signal);
        await env.rpc.call('server', ping, {}, { signal: controller.signal });
        completed++;
      }
    },
  });
  sim.start();
  await sim.run();
  t.is(completed, 50);
  t.deepEqual(sim.failures, []);
});
