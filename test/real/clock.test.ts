import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import { RealClock } from '../../system/real/real-clock.ts';

const MS = 1_000_000;

test('now() is monotonic integer nanoseconds and wallNs() is near Date.now()', (t) => {
  const clock = new RealClock();
  const first = clock.now();
  const second = clock.now();
  t.true(Number.isSafeInteger(first) && second >= first);
  t.true(Math.abs(clock.wallNs() / MS - Date.now()) < 1_000);
});

test('sleep never ends early', async (t) => {
  const clock = new RealClock();
  const startNs = clock.now();
  await clock.sleep(15 * MS);
  t.true(clock.now() - startNs >= 15 * MS);
  t.is(clock.activeTimerCount, 0);
});

test('sleep rejects with ABORTED when its signal aborts, before or during', async (t) => {
  const clock = new RealClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(10_000 * MS, controller.signal);
  controller.abort();
  t.true(isFlyerError(await t.throwsAsync(sleeping), 'ABORTED'));
  t.true(isFlyerError(await t.throwsAsync(clock.sleep(1, controller.signal)), 'ABORTED'));
  t.is(clock.activeTimerCount, 0, 'the aborted sleep left no timer armed');
  t.true(isFlyerError(await t.throwsAsync(clock.sleep(-1)), 'INVALID_ARGUMENT'));
  t.true(isFlyerError(t.throws(() => clock.setTimer(Number.NaN, () => {})), 'INVALID_ARGUMENT'));
});

test('timers fire once unless cancelled, and close() disarms them all', async (t) => {
  const clock = new RealClock();
  const fired: string[] = [];
  clock.setTimer(1 * MS, () => fired.push('kept'));
  const cancelled = clock.setTimer(1 * MS, () => fired.push('cancelled'));
  cancelled.cancel();
  await clock.sleep(20 * MS);
  t.deepEqual(fired, ['kept']);
  clock.setTimer(5 * MS, () => fired.push('after close'));
  clock.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.deepEqual(fired, ['kept']);
  t.is(clock.activeTimerCount, 0);
});
