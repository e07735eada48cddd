import test from 'ava';
import { CpuModel } from '../../sim/cpu/cpu-model.ts';
import { Kernel } from '../../sim/kernel/kernel.ts';
import { FlyerError } from '../../system/env/errors.ts';

function setup(cores: number): { kernel: Kernel; cpu: CpuModel } {
  const kernel = new Kernel({ tripwires: false });
  return { kernel, cpu: new CpuModel(kernel, cores) };
}

test('a single charge takes its duration', async (t) => {
  const { kernel, cpu } = setup(4);
  let doneAt = -1;
  cpu.charge(12_345, () => { doneAt = kernel.nowNs; });
  await kernel.run();
  t.is(doneAt, 12_345);
  t.is(cpu.busyNsTotal, 12_345);
});

test('fractional durations round up to whole nanoseconds', async (t) => {
  const { kernel, cpu } = setup(1);
  const times: number[] = [];
  cpu.charge(0.2, () => times.push(kernel.nowNs));
  cpu.charge(10.5, () => times.push(kernel.nowNs));
  cpu.charge(0, () => times.push(kernel.nowNs));
  await kernel.run();
  t.deepEqual(times, [1, 12, 12]);
  t.is(cpu.busyNsTotal, 12);
});

test('charges up to the core count run in parallel', async (t) => {
  const { kernel, cpu } = setup(8);
  const times: number[] = [];
  for (let i = 0; i < 8; i++) cpu.charge(1000, () => times.push(kernel.nowNs));
  await kernel.run();
  t.deepEqual(times, new Array(8).fill(1000));
});

test('charges beyond the core count queue FIFO', async (t) => {
  const { kernel, cpu } = setup(2);
  const events: string[] = [];
  // Two long jobs occupy both cores; the rest wait and run in submission order.
  cpu.charge(100, () => events.push(`a@${kernel.nowNs}`));
  cpu.charge(150, () => events.push(`b@${kernel.nowNs}`));
  cpu.charge(10, () => events.push(`c@${kernel.nowNs}`));
  cpu.charge(10, () => events.push(`d@${kernel.nowNs}`));
  cpu.charge(1, () => events.push(`e@${kernel.nowNs}`));
  await kernel.run();
  // c starts when a frees a core (100); d after c (110); e after d (120) because b still holds the other.
  t.deepEqual(events, ['a@100', 'c@110', 'd@120', 'e@121', 'b@150']);
});

test('a single core serializes in submission order', async (t) => {
  const { kernel, cpu } = setup(1);
  const order: number[] = [];
  const durations = [50, 5, 500, 1, 20];
  durations.forEach((d, i) => cpu.charge(d, () => order.push(i)));
  await kernel.run();
  t.deepEqual(order, [0, 1, 2, 3, 4]);
  t.is(kernel.nowNs, 576);
});

test('equal jobs: total time = total work / cores when the count divides evenly, else whole waves', async (t) => {
  for (const [cores, jobs, duration] of [[4, 100, 1000], [3, 30, 777], [8, 8, 5], [4, 10, 1000], [3, 7, 100], [1, 9, 13]] as const) {
    const { kernel, cpu } = setup(cores);
    let done = 0;
    for (let i = 0; i < jobs; i++) cpu.charge(duration, () => done++);
    await kernel.run();
    t.is(done, jobs);
    t.is(kernel.nowNs, Math.ceil(jobs / cores) * duration, `${jobs} jobs of ${duration} ns on ${cores} cores`);
    if (jobs % cores === 0) t.is(kernel.nowNs, (jobs * duration) / cores);
    t.is(cpu.busyNsTotal, jobs * duration);
  }
});

test('a large backlog (beyond the queue compaction threshold) completes in order', async (t) => {
  const { kernel, cpu } = setup(3);
  const order: number[] = [];
  for (let i = 0; i < 5000; i++) cpu.charge(7, () => order.push(i));
  await kernel.run();
  t.is(order.length, 5000);
  t.true(order.every((value, i) => value === i));
  t.is(kernel.nowNs, Math.ceil(5000 / 3) * 7);
});

test('charges from a completion callback join the back of the queue', async (t) => {
  const { kernel, cpu } = setup(1);
  const order: string[] = [];
  cpu.charge(10, () => {
    order.push('first');
    cpu.charge(10, () => order.push('chained'));
  });
  cpu.charge(10, () => order.push('second'));
  await kernel.run();
  t.deepEqual(order, ['first', 'second', 'chained']);
  t.is(kernel.nowNs, 30);
});

test('bad core counts and charges are refused', (t) => {
  const kernel = new Kernel({ tripwires: false });
  for (const cores of [0, -1, 1.5]) t.is((t.throws(() => new CpuModel(kernel, cores)) as FlyerError).code, 'ASSERTION');
  const cpu = new CpuModel(kernel, 1);
  for (const d of [-1, Number.NaN, Number.POSITIVE_INFINITY]) t.is((t.throws(() => cpu.charge(d, () => {})) as FlyerError).code, 'ASSERTION');
});
