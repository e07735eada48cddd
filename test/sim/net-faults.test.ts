import test from 'ava';
import { NetworkFaults } from '../../sim/net-faults.ts';
import { randomStream } from '../../system/env/random.ts';

function faults(seed = 1): NetworkFaults {
  return new NetworkFaults(randomStream(seed, 'kernel', 'sim.net-faults'));
}

/** Routes one message and returns the extra delays of each copy sent (empty: dropped). */
function route(f: NetworkFaults, from: number, to: number): number[] {
  const sends: number[] = [];
  f.route(from, to, (extraDelayNs) => sends.push(extraDelayNs));
  return sends;
}

test('no faults: every message is sent once with no extra delay', (t) => {
  const f = faults();
  for (let i = 0; i < 100; i++) t.deepEqual(route(f, i % 5, (i + 1) % 5), [0]);
  t.is(f.droppedMessages, 0);
  t.is(f.duplicatedMessages, 0);
});

test('a one-way partition blocks one direction only', (t) => {
  const f = faults();
  f.partition(1, 2, { oneWay: true });
  t.true(f.blocked(1, 2));
  t.false(f.blocked(2, 1));
  t.is(f.partitionedPairs, 1);
  t.deepEqual(route(f, 1, 2), []);
  t.deepEqual(route(f, 2, 1), [0]);
  // Other pairs are unaffected.
  t.deepEqual(route(f, 1, 3), [0]);
  t.deepEqual(route(f, 3, 2), [0]);
  t.is(f.droppedMessages, 1);
});

test('a two-way partition blocks both directions; heal restores everything', (t) => {
  const f = faults();
  f.partition(0, 4);
  t.deepEqual(route(f, 0, 4), []);
  t.deepEqual(route(f, 4, 0), []);
  t.is(f.partitionedPairs, 2);
  f.heal();
  t.is(f.partitionedPairs, 0);
  t.false(f.blocked(0, 4));
  t.deepEqual(route(f, 0, 4), [0]);
  t.deepEqual(route(f, 4, 0), [0]);
  t.is(f.droppedMessages, 2);
});

test('partition keys do not alias between node pairs', (t) => {
  const f = faults();
  f.partition(1, 0, { oneWay: true });
  t.false(f.blocked(0, 1));
  t.false(f.blocked(1, 1));
  t.true(f.blocked(1, 0));
  // Large clusters: pairs among thousands of nodes stay distinct.
  f.partition(4095, 4094, { oneWay: true });
  t.true(f.blocked(4095, 4094));
  t.false(f.blocked(4094, 4095));
  t.false(f.blocked(4094, 4094));
  t.false(f.blocked(0, 4095));
});

test('isolate cuts a group off from everyone else but not from itself', (t) => {
  const f = faults();
  f.isolate([0, 1], 4);
  for (const [a, b] of [[0, 2], [0, 3], [1, 2], [1, 3]] as const) {
    t.true(f.blocked(a, b), `${a}->${b}`);
    t.true(f.blocked(b, a), `${b}->${a}`);
  }
  t.false(f.blocked(0, 1));
  t.false(f.blocked(1, 0));
  t.false(f.blocked(2, 3));
  t.is(f.partitionedPairs, 8);
});

test('a message to self is always delivered, even under partitions and loss', (t) => {
  const f = faults();
  f.isolate([2], 3);
  f.partition(2, 2);
  f.dropProbability = 1;
  t.deepEqual(route(f, 2, 2), [0]);
  t.is(f.droppedMessages, 0);
});

test('drop probability 1 drops everything', (t) => {
  const f = faults();
  f.dropProbability = 1;
  f.duplicateProbability = 1;
  for (let i = 0; i < 200; i++) t.deepEqual(route(f, 0, 1 + (i % 3)), []);
  t.is(f.droppedMessages, 200);
  t.is(f.duplicatedMessages, 0);
});

test('duplicate probability 1 sends every message twice', (t) => {
  const f = faults();
  f.duplicateProbability = 1;
  for (let i = 0; i < 50; i++) t.deepEqual(route(f, 0, 1), [0, 0]);
  t.is(f.duplicatedMessages, 50);
  t.is(f.droppedMessages, 0);
});

test('partial drop and duplicate rates land near their probabilities', (t) => {
  const f = faults(5);
  f.dropProbability = 0.2;
  f.duplicateProbability = 0.1;
  const n = 20_000;
  let copies = 0;
  for (let i = 0; i < n; i++) copies += route(f, 0, 1).length;
  t.true(Math.abs(f.droppedMessages / n - 0.2) < 0.015, `drop rate ${f.droppedMessages / n}`);
  const delivered = n - f.droppedMessages;
  t.true(Math.abs(f.duplicatedMessages / delivered - 0.1) < 0.015, `dup rate ${f.duplicatedMessages / delivered}`);
  t.is(copies, delivered + f.duplicatedMessages);
});

test('extra delays are in [1, delayMaxNs] when applied, and calm() stops all random faults', (t) => {
  const f = faults(3);
  f.delayProbability = 1;
  f.delayMaxNs = 1000;
  const delays = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const [delay] = route(f, 0, 1);
    if (delay === undefined || delay < 1 || delay > 1000 || !Number.isInteger(delay)) return t.fail(`bad delay ${delay}`);
    delays.add(delay);
  }
  t.true(delays.has(1) || delays.has(2), 'low delays occur');
  t.true([...delays].some((d) => d > 990), 'high delays occur');
  f.dropProbability = 0.5;
  f.duplicateProbability = 0.5;
  f.partition(0, 2);
  f.calm();
  for (let i = 0; i < 100; i++) t.deepEqual(route(f, 0, 1), [0]);
  t.true(f.blocked(0, 2), 'calm keeps partitions');
});

test('delayMaxNs 0 means no delay even with delay probability 1', (t) => {
  const f = faults();
  f.delayProbability = 1;
  for (let i = 0; i < 20; i++) t.deepEqual(route(f, 0, 1), [0]);
});

function trace(seed: number): string {
  const f = faults(seed);
  f.dropProbability = 0.3;
  f.duplicateProbability = 0.3;
  f.delayProbability = 0.5;
  f.delayMaxNs = 10_000;
  const out: string[] = [];
  for (let i = 0; i < 500; i++) out.push(route(f, i % 7, (i * 3 + 1) % 7).join(','));
  return out.join('|');
}

test('the same seed makes the same decisions; a different seed makes different ones', (t) => {
  const a = trace(42);
  t.is(trace(42), a);
  t.not(trace(43), a);
  // The trace is not degenerate: drops, single and duplicated sends all occur.
  const fates = a.split('|');
  t.true(fates.includes(''));
  t.true(fates.some((x) => x.split(',').length === 1 && x !== ''));
  t.true(fates.some((x) => x.split(',').length === 2));
});
