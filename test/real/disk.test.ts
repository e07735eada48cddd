import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isFlyerError } from '../../system/env/errors.ts';
import { RealDisk, validateDiskName } from '../../system/real/real-disk.ts';
import { tempDir } from './helpers.ts';

async function disk(t: { teardown(fn: () => Promise<void>): void }): Promise<{ disk: RealDisk; root: string }> {
  const dir = await tempDir('disk');
  t.teardown(dir.cleanup);
  return { disk: new RealDisk(join(dir.path, 'data')), root: join(dir.path, 'data') };
}

test('write, read, sync, truncate and reopen a file', async (t) => {
  const { disk: d, root } = await disk(t);
  const file = await d.open('targets/1/chunk.dat', { create: true });
  t.is(file.name, 'targets/1/chunk.dat');
  t.is(file.sizeBytes(), 0);
  await file.write(0, new TextEncoder().encode('hello world'));
  await file.write(20, Uint8Array.of(1, 2, 3));
  t.is(file.sizeBytes(), 23);
  t.is(Buffer.from(await file.read(6, 5)).toString(), 'world');
  t.deepEqual([...(await file.read(11, 12))], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3], 'the hole reads as zeros');
  t.is((await file.read(20, 100)).length, 3, 'a read past the end returns what exists');
  t.is((await file.read(500, 10)).length, 0);
  await file.sync();
  await file.truncate(5);
  t.is(file.sizeBytes(), 5);
  await file.close();
  t.is((await readFile(join(root, 'targets/1/chunk.dat'))).toString(), 'hello', 'bytes really are in the data directory');
  const again = await d.open('targets/1/chunk.dat');
  t.is(again.sizeBytes(), 5);
  t.is(Buffer.from(await again.read(0, 5)).toString(), 'hello');
  await again.close();
});

test('list, exists and remove see files across subdirectories', async (t) => {
  const { disk: d } = await disk(t);
  t.deepEqual(await d.list(), [], 'a data directory not created yet lists as empty');
  for (const name of ['b/2', 'a/1', 'a/sub/3', 'top']) await (await d.open(name, { create: true })).close();
  t.deepEqual(await d.list(), ['a/1', 'a/sub/3', 'b/2', 'top']);
  t.deepEqual(await d.list('a/'), ['a/1', 'a/sub/3']);
  t.true(await d.exists('a/sub/3'));
  t.false(await d.exists('a'), 'a directory is not a file');
  t.false(await d.exists('nope/none'));
  await d.remove('a/1');
  t.false(await d.exists('a/1'));
  t.deepEqual(await d.list('a'), ['a/sub/3']);
  t.true(isFlyerError(await t.throwsAsync(d.remove('a/1')), 'DISK_NOT_FOUND'));
});

test('opening a missing file without create is DISK_NOT_FOUND', async (t) => {
  const { disk: d } = await disk(t);
  t.true(isFlyerError(await t.throwsAsync(d.open('missing')), 'DISK_NOT_FOUND'));
  await (await d.open('dir/file', { create: true })).close();
  t.true(isFlyerError(await t.throwsAsync(d.open('dir')), 'DISK_IO_ERROR'), 'a directory cannot be opened as a file');
});

test('bad names are rejected with INVALID_ARGUMENT before touching the disk', async (t) => {
  const { disk: d } = await disk(t);
  for (const name of ['', '/etc/passwd', '../escape', 'a/../../b', 'a//b', './a', 'a/.', 'nul\0byte', 'back\\slash', 'trailing/']) {
    t.true(isFlyerError(t.throws(() => validateDiskName(name)), 'INVALID_ARGUMENT'), `name ${JSON.stringify(name)}`);
    t.true(isFlyerError(await t.throwsAsync(d.open(name, { create: true })), 'INVALID_ARGUMENT'), `open ${JSON.stringify(name)}`);
  }
  t.true(isFlyerError(await t.throwsAsync(d.exists('../x')), 'INVALID_ARGUMENT'));
  t.true(isFlyerError(await t.throwsAsync(d.remove('/x')), 'INVALID_ARGUMENT'));
  t.deepEqual(await d.list(), []);
  t.notThrows(() => validateDiskName('targets/7/chunks.log'));
});

test('bad offsets are INVALID_ARGUMENT and a closed file reports DISK_IO_ERROR', async (t) => {
  const { disk: d } = await disk(t);
  const file = await d.open('f', { create: true });
  t.true(isFlyerError(await t.throwsAsync(file.read(-1, 1)), 'INVALID_ARGUMENT'));
  t.true(isFlyerError(await t.throwsAsync(file.write(1.5, Uint8Array.of(1))), 'INVALID_ARGUMENT'));
  t.true(isFlyerError(await t.throwsAsync(file.truncate(-3)), 'INVALID_ARGUMENT'));
  await file.close();
  t.true(isFlyerError(await t.throwsAsync(file.write(0, Uint8Array.of(1))), 'DISK_IO_ERROR'));
});

test('a zero-length write past the end does not grow the file', async (t) => {
  const { disk: d } = await disk(t);
  const file = await d.open('f', { create: true });
  await file.write(0, new Uint8Array(10));
  await file.write(100, new Uint8Array(0));
  t.is(file.sizeBytes(), 10);
  await file.close();
});
