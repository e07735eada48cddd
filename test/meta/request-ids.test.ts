import test from 'ava';
import type { FileChunkOps } from '../../system/services/meta/context.ts';
import { create, mkdirs } from '../../system/services/meta/ops-create.ts';
import { truncate } from '../../system/services/meta/ops-file.ts';
import { stat } from '../../system/services/meta/ops-read.ts';
import { remove, rename } from '../../system/services/meta/ops-remove.ts';
import type { FileInode } from '../../system/services/meta/types.ts';
import { callerOf, newMetaWorld } from './harness.ts';
import { snapshotKv } from './kv-state.ts';

// Goal: a namespace change retried with its request id -- because the reply of a committed attempt was
// lost -- returns the first attempt's result and changes nothing more, even when the namespace changed in
// between, instead of failing with EEXIST or ENOENT or redoing the change (meta/idempotency.ts).

const caller = callerOf(0);

test('retries of create, mkdir, remove and rename return the first result and change nothing', async (t) => {
  const { kv, servers: [one, other] } = await newMetaWorld(2);
  const made = await create(one!, { caller, requestId: 'c1', path: '/f', exclusive: true });
  await mkdirs(one!, { caller, requestId: 'm1', path: '/d' });
  await rename(one!, { caller, requestId: 'r1', srcPath: '/f', dstPath: '/d/g' });
  await remove(one!, { caller, requestId: 'x1', path: '/d/g' });
  await create(other!, { caller, requestId: 'w1', path: '/warm' }); // its id allocator takes its block now, not during the retries
  const before = await snapshotKv(kv);
  // Each retry goes to another server, as MetaClient fails over.
  t.is((await create(other!, { caller, requestId: 'c1', path: '/f', exclusive: true })).id, made.id, 'not EEXIST, and not a second file');
  t.is((await mkdirs(other!, { caller, requestId: 'm1', path: '/d' })).type, 'directory');
  await t.notThrowsAsync(rename(other!, { caller, requestId: 'r1', srcPath: '/f', dstPath: '/d/g' }), 'not ENOENT');
  await t.notThrowsAsync(remove(other!, { caller, requestId: 'x1', path: '/d/g' }), 'not ENOENT');
  t.deepEqual((await snapshotKv(kv)).raw, before.raw);
});

test('a truncate retried after its file was removed returns its first result and cuts no chunks again', async (t) => {
  const cuts: string[] = [];
  const chunks: FileChunkOps = {
    truncate: async (file, lengthBytes) => void cuts.push(`${file.id}@${lengthBytes}`),
    exactLengthBytes: async () => 0,
    removeAll: async () => undefined,
    statFs: async () => ({ capacityBytes: 0, usedBytes: 0, freeBytes: 0 }),
  };
  const { kv, servers: [one, other] } = await newMetaWorld(2, 1, chunks);
  await create(one!, { caller, requestId: 'c1', path: '/f' });
  const first = <FileInode>await truncate(one!, { caller, requestId: 't1', path: '/f', lengthBytes: 4096 });
  await remove(one!, { caller, requestId: 'x1', path: '/f' });
  await create(other!, { caller, requestId: 'w1', path: '/warm' }); // its id allocator takes its block now
  const before = await snapshotKv(kv);
  const retried = <FileInode>await truncate(other!, { caller, requestId: 't1', path: '/f', lengthBytes: 4096 });
  t.is(retried.id, first.id, 'the first result, not ENOENT');
  t.is(retried.lengthBytes, 4096);
  t.deepEqual((await snapshotKv(kv)).raw, before.raw);

  const fresh = await create(one!, { caller, requestId: 'c2', path: '/f' }); // a new file under the old name
  await truncate(other!, { caller, requestId: 't1', path: '/f', lengthBytes: 4096 });
  t.deepEqual(cuts, [`${first.id}@4096`], `storage cut the chunks once, never those of the new file ${fresh.id}`);
  t.is((<FileInode>await stat(one!, { caller, path: '/f' })).lengthBytes, 0);
});
