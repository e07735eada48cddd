import test from 'ava';
import { webcrypto } from 'node:crypto';
import { installTripwires, removeTripwires, tripwiresInstalled } from '../../sim/kernel/tripwires.ts';
import { Simulation } from '../../sim/simulation.ts';
import { FlyerError } from '../../system/env/errors.ts';

// Tripwires patch process-wide globals, so every test here is serial and removes them in a finally block.
// While they are installed, nothing but the probes runs: outcomes are collected and asserted afterwards.

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function probe(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

const FORBIDDEN: Record<string, () => unknown> = {
  'Date.now()': () => Date.now(),
  'new Date()': () => new Date(),
  'Date()': () => (Date as unknown as () => string)(),
  'Math.random()': () => Math.random(),
  'setTimeout': () => setTimeout(() => {}, 0),
  'setInterval': () => setInterval(() => {}, 1000),
  'setImmediate': () => setImmediate(() => {}),
  'performance.now()': () => performance.now(),
  'process.nextTick': () => process.nextTick(() => {}),
  'crypto.randomUUID()': () => crypto.randomUUID(),
  'webcrypto.randomUUID()': () => webcrypto.randomUUID(),
  'crypto.getRandomValues()': () => crypto.getRandomValues(new Uint8Array(4)),
};

const ALLOWED: Record<string, () => unknown> = {
  'new Date(0)': () => new Date(0).toISOString(),
  'new Date(y, m, d)': () => new Date(2026, 0, 1).getFullYear(),
  'new Date(string)': () => new Date('2026-01-01T00:00:00Z').getTime(),
  'Date.UTC': () => Date.UTC(2026, 0, 1),
  'Date.parse': () => Date.parse('2026-01-01T00:00:00Z'),
  'instanceof Date': () => {
    if (!(new Date(0) instanceof Date)) throw new Error('not a Date');
  },
  'queueMicrotask': () => queueMicrotask(() => {}),
};

test.serial('while installed, every listed non-deterministic API throws NON_DETERMINISM', (t) => {
  const outcomes: Record<string, Outcome> = {};
  let installedDuring = false;
  try {
    installTripwires();
    installedDuring = tripwiresInstalled();
    for (const [name, fn] of Object.entries(FORBIDDEN)) outcomes[name] = probe(fn);
  } finally {
    removeTripwires();
  }
  t.true(installedDuring);
  for (const [name, outcome] of Object.entries(outcomes)) {
    t.false(outcome.ok, `${name} did not throw`);
    if (!outcome.ok) {
      t.true(outcome.error instanceof FlyerError, name);
      t.is((outcome.error as FlyerError).code, 'NON_DETERMINISM', name);
      t.regex((outcome.error as FlyerError).message, /FLYER_ERR_NON_DETERMINISM/);
    }
  }
  t.is(Object.keys(outcomes).length, Object.keys(FORBIDDEN).length);
});

test.serial('while installed, dates from given instants still work', (t) => {
  const outcomes: Record<string, Outcome> = {};
  let epoch = '';
  try {
    installTripwires();
    for (const [name, fn] of Object.entries(ALLOWED)) outcomes[name] = probe(fn);
    epoch = new Date(0).toISOString();
  } finally {
    removeTripwires();
  }
  for (const [name, outcome] of Object.entries(outcomes)) t.true(outcome.ok, `${name}: ${outcome.ok ? '' : String(outcome.error)}`);
  t.is(epoch, '1970-01-01T00:00:00.000Z');
});

test.serial('after removeTripwires every API works again', async (t) => {
  const originalDate = Date;
  const originalRandom = Math.random;
  try {
    installTripwires();
    installTripwires(); // idempotent
  } finally {
    removeTripwires();
  }
  removeTripwires(); // idempotent
  t.false(tripwiresInstalled());
  t.is(Date, originalDate);
  t.is(Math.random, originalRandom);
  for (const [name, fn] of Object.entries(FORBIDDEN)) {
    const outcome = probe(fn);
    t.true(outcome.ok, `${name} still throws: ${outcome.ok ? '' : String(outcome.error)}`);
    // Clear the timers the probes scheduled, so the test process can exit.
    if (outcome.ok && name === 'setInterval') clearInterval(outcome.value as NodeJS.Timeout);
  }
  t.true(Date.now() > Date.UTC(2020, 0, 1));
  t.true(new Date() instanceof Date);
  // Timers and ticks really fire again.
  await new Promise<void>((resolve) => setTimeout(resolve, 1));
  await new Promise<void>((resolve) => process.nextTick(resolve));
  t.regex(crypto.randomUUID(), /^[0-9a-f-]{36}$/);
});

test.serial('a node whose boot calls Date.now() is recorded as a NON_DETERMINISM failure', async (t) => {
  const sim = new Simulation({ seed: 1 });
  sim.addNode('n', {
    boot: async () => {
      Date.now();
    },
  });
  sim.start();
  try {
    await sim.run();
  } finally {
    removeTripwires();
  }
  t.is(sim.failures.length, 1);
  t.regex(sim.failures[0]!, /^n boot failed/);
  t.regex(sim.failures[0]!, /NON_DETERMINISM/);
  // The run ends with the globals restored.
  t.false(tripwiresInstalled());
  t.notThrows(() => Date.now());
});

test.serial('tripwires also catch calls in continuations after virtual sleeps, and honest nodes pass', async (t) => {
  const sim = new Simulation({ seed: 2 });
  let honestReachedEnd = false;
  sim.addNode('sneaky', {
    boot: async (env) => {
      await env.clock.sleep(1_000);
      await Promise.resolve();
      Math.random();
    },
  });
  sim.addNode('honest', {
    boot: async (env) => {
      await env.clock.sleep(2_000);
      env.random('test').next();
      honestReachedEnd = true;
    },
  });
  sim.start();
  try {
    await sim.run();
  } finally {
    removeTripwires();
  }
  t.true(honestReachedEnd);
  t.is(sim.failures.length, 1);
  t.regex(sim.failures[0]!, /^sneaky boot failed/);
  t.regex(sim.failures[0]!, /NON_DETERMINISM/);
  t.regex(sim.failures[0]!, /Math\.random/);
});

test.serial('with tripwires disabled a simulation lets Date.now() through', async (t) => {
  const sim = new Simulation({ seed: 3, tripwires: false });
  let now = 0;
  sim.addNode('n', { boot: async () => { now = Date.now(); } });
  sim.start();
  try {
    await sim.run();
  } finally {
    removeTripwires();
  }
  t.deepEqual(sim.failures, []);
  t.true(now > 0);
});
