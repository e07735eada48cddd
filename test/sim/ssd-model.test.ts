import test from 'ava';
import { DEFAULT_SSD, SsdModel, type SsdOperation, type SsdOptions } from '../../sim/disk/ssd-model.ts';
import { Kernel } from '../../sim/kernel/kernel.ts';
import { FlyerError } from '../../system/env/errors.ts';

const MiB = 1 << 20;

function setup(options: SsdOptions = DEFAULT_SSD): { kernel: Kernel; ssd: SsdModel } {
  const kernel = new Kernel({ tripwires: false });
  return { kernel, ssd: new SsdModel(kernel, options) };
}

/** Submits one operation at the current instant and returns when it completed. */
async function timeOne(operation: SsdOperation, sizeBytes: number, options?: SsdOptions, slowFactor = 1): Promise<number> {
  const { kernel, ssd } = setup(options);
  ssd.slowFactor = slowFactor;
  let doneAt = -1;
  ssd.submit(operation, sizeBytes, () => { doneAt = kernel.nowNs; });
  await kernel.run();
  return doneAt;
}

test('a single read takes exactly latency + size / bandwidth, in whole nanoseconds', async (t) => {
  // 4096 B at 2.8 GB/s = 1462.857 ns, rounded up to 1463.
  t.is(await timeOne('read', 4096), 90_000 + 1463);
  // 1 MiB: 374,491.43 ns -> 374,492.
  t.is(await timeOne('read', MiB), 90_000 + Math.ceil((MiB * 1e9) / 2.8e9));
  t.is(await timeOne('read', MiB), 464_492);
  // Zero bytes: latency only.
  t.is(await timeOne('read', 0), 90_000);
});

test('a single write uses the write latency and bandwidth', async (t) => {
  // 1 MiB at 1.6 GB/s = 655,360 ns exactly.
  t.is(await timeOne('write', MiB), 20_000 + 655_360);
  t.is(await timeOne('write', 3), 20_000 + 2);
});

test('serviceTimeNs agrees with the simulated time of an idle device', async (t) => {
  const { ssd } = setup();
  for (const [op, size] of [['read', 1], ['read', 12_345], ['write', 777_777], ['write', 0]] as const) {
    t.is(await timeOne(op, size), ssd.serviceTimeNs(op, size), `${op} ${size}`);
  }
});

test('slowFactor scales both latency and transfer time', async (t) => {
  t.is(await timeOne('read', MiB, DEFAULT_SSD, 2), 180_000 + Math.ceil((MiB * 1e9 * 2) / 2.8e9));
  t.is(await timeOne('write', MiB, DEFAULT_SSD, 3), 60_000 + 3 * 655_360);
  // Fractional factors round each stage up to whole nanoseconds.
  t.is(await timeOne('read', 4096, DEFAULT_SSD, 1.5), Math.ceil(90_000 * 1.5) + Math.ceil((4096 * 1e9 * 1.5) / 2.8e9));
  const { ssd } = setup();
  ssd.slowFactor = 4;
  t.is(ssd.serviceTimeNs('write', MiB), 80_000 + 4 * 655_360);
});

test('large sequential reads at queue depth 1 reach (almost) the full bandwidth', async (t) => {
  const { kernel, ssd } = setup();
  const size = 64 * MiB;
  const count = 20;
  let done = 0;
  const next = (): void => {
    if (done === count) return;
    ssd.submit('read', size, () => { done++; next(); });
  };
  next();
  await kernel.run();
  t.is(done, count);
  t.is(ssd.bytesRead, size * count);
  const bytesPerSec = (size * count) / (kernel.nowNs / 1e9);
  t.true(bytesPerSec > 0.99 * DEFAULT_SSD.readBytesPerSec, `${bytesPerSec / 1e9} GB/s`);
  t.true(bytesPerSec <= DEFAULT_SSD.readBytesPerSec, 'never faster than the data path');
  // Exactly: every read pays the latency once, no overlap at QD1.
  t.is(kernel.nowNs, count * ssd.serviceTimeNs('read', size));
});

test('many large reads at once are bound by the shared data path, not by channels', async (t) => {
  const { kernel, ssd } = setup();
  const size = 16 * MiB;
  const count = 64;
  for (let i = 0; i < count; i++) ssd.submit('read', size, () => {});
  await kernel.run();
  const bytesPerSec = (size * count) / (kernel.nowNs / 1e9);
  t.true(bytesPerSec > 0.99 * DEFAULT_SSD.readBytesPerSec, `${bytesPerSec / 1e9} GB/s`);
  t.true(bytesPerSec <= DEFAULT_SSD.readBytesPerSec);
});

async function randomReadIops(queueDepth: number, totalOps: number): Promise<number> {
  const { kernel, ssd } = setup();
  let submitted = 0;
  let done = 0;
  const submitOne = (): void => {
    if (submitted === totalOps) return;
    submitted++;
    ssd.submit('read', 4096, () => { done++; submitOne(); });
  };
  for (let i = 0; i < queueDepth; i++) submitOne();
  await kernel.run();
  if (done !== totalOps) throw new Error(`only ${done} of ${totalOps} done`);
  return totalOps / (kernel.nowNs / 1e9);
}

test('small random reads are bound by channels / latency', async (t) => {
  const perOpNs = 90_000 + 1463;
  const qd1 = await randomReadIops(1, 200);
  t.true(Math.abs(qd1 - 1e9 / perOpNs) / (1e9 / perOpNs) < 1e-9, `QD1 ${qd1} IOPS`);

  const channelBound = (DEFAULT_SSD.channels * 1e9) / perOpNs; // ~175k IOPS
  const qd16 = await randomReadIops(16, 4000);
  const qd64 = await randomReadIops(64, 4000);
  t.true(Math.abs(qd16 - channelBound) / channelBound < 0.03, `QD16 ${qd16} vs ${channelBound}`);
  // Past the channel count, extra queue depth only adds waiting.
  t.true(Math.abs(qd64 - channelBound) / channelBound < 0.03, `QD64 ${qd64} vs ${channelBound}`);
  // Far below what the data path alone would allow (2.8 GB/s / 4 KiB ≈ 683k IOPS).
  t.true(qd64 < 0.5 * (DEFAULT_SSD.readBytesPerSec / 4096));
  // Scaling with queue depth up to the channel count.
  const qd4 = await randomReadIops(4, 1000);
  t.true(Math.abs(qd4 / qd1 - 4) < 0.1, `QD4/QD1 = ${qd4 / qd1}`);
});

test('with one channel, operations complete in submission order (FIFO)', async (t) => {
  const { kernel, ssd } = setup({ ...DEFAULT_SSD, channels: 1 });
  const order: number[] = [];
  const sizes = [MiB, 10, 5 * MiB, 1, 4096];
  sizes.forEach((size, i) => ssd.submit('read', size, () => order.push(i)));
  t.is(ssd.queuedOps, sizes.length - 1);
  await kernel.run();
  t.deepEqual(order, [0, 1, 2, 3, 4]);
  t.is(kernel.nowNs, sizes.reduce((sum, size) => sum + ssd.serviceTimeNs('read', size), 0));
  t.is(ssd.queuedOps, 0);
});

test('read and write byte counters track completed operations', async (t) => {
  const { kernel, ssd } = setup();
  ssd.submit('read', 100, () => {});
  ssd.submit('write', 300, () => {});
  ssd.submit('write', 5, () => {});
  t.is(ssd.bytesRead, 0, 'nothing counted before completion');
  await kernel.run();
  t.is(ssd.bytesRead, 100);
  t.is(ssd.bytesWritten, 305);
});

test('bad options are refused with INVALID_ARGUMENT', (t) => {
  const kernel = new Kernel({ tripwires: false });
  for (const bad of [{ channels: 0 }, { readBytesPerSec: 0 }, { writeBytesPerSec: -1 }, { channels: Number.NaN }]) {
    const error = t.throws(() => new SsdModel(kernel, { ...DEFAULT_SSD, ...bad }));
    t.true(error instanceof FlyerError);
    t.is((error as FlyerError).code, 'INVALID_ARGUMENT');
  }
  const ssd = new SsdModel(kernel);
  t.is((t.throws(() => ssd.submit('read', -1, () => {})) as FlyerError).code, 'ASSERTION');
});
