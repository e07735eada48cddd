import test from 'ava';
import { FlyerError } from '../../system/env/errors.ts';
import { materialize, type Payload } from '../../system/env/payload.ts';
import { Semaphore } from '../../system/services/common/semaphore.ts';
import type { FileHandle } from '../../system/services/fs/flyer-fs.ts';
import { BufferPool } from '../../system/workloads/framework/buffer-pool.ts';
import { PieceAppender } from '../../system/workloads/graysort/piece-appender.ts';

/** A file that records its writes (offset, bytes) and can be told to fail the n-th one. */
function fakeFile(failWrite?: number) {
  const writes: Array<{ offset: number; bytes: number[] }> = [];
  let calls = 0;
  let closed = false;
  let inFlight = 0;
  let inFlightMax = 0;
  const handle = {
    async pwrite(offset: number, data: Payload): Promise<number> {
      const index = calls++;
      inFlight++;
      inFlightMax = Math.max(inFlightMax, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      if (index === failWrite) throw new FlyerError('CHUNK_NO_SPACE', 'no space left on target 7');
      writes.push({ offset, bytes: [...materialize(data)] });
      return data.sizeBytes;
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
  return { handle: handle as unknown as FileHandle, writes, closed: () => closed, inFlightMax: () => inFlightMax };
}

test('runs are staged into whole-buffer writes at consecutive offsets; the last write is the remainder', async (t) => {
  const file = fakeFile();
  const written: number[] = [];
  const appender = new PieceAppender(file.handle, 8, new Semaphore(2), new BufferPool(1 << 20), (bytes) => written.push(bytes));
  const input = Array.from({ length: 29 }, (_, i) => i);
  await appender.append(Uint8Array.from(input.slice(0, 3)));
  await appender.append(Uint8Array.from(input.slice(3, 20)));
  await appender.append(new Uint8Array(0));
  await appender.append(Uint8Array.from(input.slice(20)));
  t.is(appender.appendedBytes, 29);
  t.is(await appender.finish(), 29);
  t.true(file.closed());
  const sorted = [...file.writes].sort((a, b) => a.offset - b.offset);
  t.deepEqual(sorted.map((w) => w.offset), [0, 8, 16, 24]);
  t.deepEqual(sorted.map((w) => w.bytes.length), [8, 8, 8, 5]);
  t.deepEqual(sorted.flatMap((w) => w.bytes), input, 'the file holds the runs in order');
  t.is(written.reduce((a, b) => a + b, 0), 29);
  t.true(file.inFlightMax() <= 2, 'never more writes at once than the shared slots');
});

test('a failed write surfaces from a later append or from finish, and the file is not reported complete', async (t) => {
  const file = fakeFile(1);
  const appender = new PieceAppender(file.handle, 4, new Semaphore(1), new BufferPool(1 << 20), () => undefined);
  const run = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await appender.append(new Uint8Array(4).fill(i));
    await appender.finish();
  };
  const error = await t.throwsAsync(run);
  t.regex(String(error?.message), /no space left/);
  t.false(file.closed(), 'a piece whose write failed is not closed as if complete');
});

test('fill lets a producer write in place: whole-buffer writes, bytes in order, mixed with appends', async (t) => {
  const file = fakeFile();
  const appender = new PieceAppender(file.handle, 8, new Semaphore(2), new BufferPool(1 << 20), () => undefined);
  let next = 0;
  // Writes up to `count` consecutive values into the space it is given.
  const produce = (count: number) => async (space: Uint8Array): Promise<number> => {
    const n = Math.min(count, space.length);
    for (let i = 0; i < n; i++) space[i] = next++;
    return n;
  };
  t.is(appender.spaceBytes, 8);
  t.is(await appender.fill(5, produce(5)), 5);
  t.is(appender.spaceBytes, 3);
  t.is(await appender.fill(100, produce(100)), 3, 'a fill never goes past the staging buffer');
  t.is(appender.spaceBytes, 8, 'a full staging buffer was written out and a fresh one taken');
  await appender.append(Uint8Array.from([next++, next++]));
  t.is(await appender.fill(6, produce(4)), 4, 'a producer may write less than it was offered');
  t.is(await appender.fill(6, produce(0)), 0);
  t.is(await appender.finish(), 14);
  const sorted = [...file.writes].sort((a, b) => a.offset - b.offset);
  t.deepEqual(sorted.map((w) => w.offset), [0, 8]);
  t.deepEqual(sorted.flatMap((w) => w.bytes), Array.from({ length: 14 }, (_, i) => i));
});

test('fill refuses a producer that claims more bytes than its space, and an empty request', async (t) => {
  const appender = new PieceAppender(fakeFile().handle, 8, new Semaphore(1), new BufferPool(1 << 20), () => undefined);
  await t.throwsAsync(appender.fill(4, async () => 5), { message: /produced 5 of 4 bytes/ });
  await t.throwsAsync(appender.fill(0, async () => 0), { message: /at least one byte/ });
  t.is(appender.appendedBytes, 0, 'nothing was staged');
});
