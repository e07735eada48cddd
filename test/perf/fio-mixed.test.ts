import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fioMixedSec, fioVersion } from '../../sim/perf/fio.ts';

// The disk bound of `npm run bench -- graysort`: fio with the writers and reader of one phase at once.
const hasFio = fioVersion() !== null;

(hasFio ? test : test.skip)('fioMixedSec runs every writer and the reader at once and removes its files', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flyer-fio-mixed-'));
  try {
    const writeBytesEach = 8 << 20;
    const readBytes = 16 << 20;
    const result = fioMixedSec(dir, { writers: 3, writeBytesEach, readBytes }, 4);
    t.true(result.sec > 0);
    // Bytes over the run's wall time: 3 writers x 8 MiB written, 16 MiB read, whatever the disk's speed.
    t.is(Math.round((result.writeMBps * 1e6 * result.sec) / (1 << 20)), 3 * 8);
    t.is(Math.round((result.readMBps * 1e6 * result.sec) / (1 << 20)), 16);
    t.deepEqual(readdirSync(dir), [], 'fio files removed');
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
});

(hasFio ? test : test.skip)('fioMixedSec reports a failing fio run as an error and leaves nothing behind', (t) => {
  const dir = join(tmpdir(), `flyer-fio-missing-${process.pid}`);
  t.throws(() => fioMixedSec(dir, { writers: 1, writeBytesEach: 1 << 20, readBytes: 1 << 20 }, 1), { message: /fio/ });
  t.false(existsSync(dir));
});
