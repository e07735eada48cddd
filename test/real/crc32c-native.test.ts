import { randomBytes } from 'node:crypto';
import test from 'ava';
import { crc32c, setLargeCrc32c } from '../../system/env/crc32c.ts';
import { loadNativeLibrary } from '../../system/real/chunk-engine/library.ts';
import { frameCrc32c } from '../../system/real/rpc/frame-crc.ts';

const SIZES = [0, 1, 100, 16 * 1024 - 1, 16 * 1024, 64 * 1024 + 3, 1 << 20];

test.serial('with the native loop installed, crc32c gives the same values as without, and only large buffers go to it', (t) => {
  const data = randomBytes((1 << 20) + 37);
  const all = (): number[][] => SIZES.map((size) => [crc32c(data.subarray(3, 3 + size)), crc32c(data.subarray(3, 3 + size), 0xdeadbeef)]);
  setLargeCrc32c(undefined);
  const plain = all();
  const library = loadNativeLibrary();
  let calls = 0;
  setLargeCrc32c((bytes, initial) => {
    calls++;
    return library.fce_crc32c(initial, bytes, bytes.length);
  });
  try {
    t.deepEqual(all(), plain);
    t.is(calls, 2 * SIZES.filter((size) => size >= 16 * 1024).length);
  } finally {
    setLargeCrc32c(undefined);
  }
  // The frame checksum installs the native loop on first use and agrees as well.
  t.deepEqual(SIZES.map((size) => frameCrc32c(data.subarray(3, 3 + size))), plain.map(([value]) => value));
});
