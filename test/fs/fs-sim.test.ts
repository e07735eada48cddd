import test from 'ava';
import { materialize, realPayload } from '../../system/env/payload.ts';
import type { Env } from '../../system/env/types.ts';
import type { FlyerFs } from '../../system/services/fs/flyer-fs.ts';
import { FsCluster } from '../../sim/scenarios/fs-cluster.ts';
import { S } from '../../sim/scenarios/craq-cluster.ts';

const CHUNK_BYTES = 64 * 1024;

/** Runs `body` on a client node of a fresh simulated file system and returns what it returned. */
async function onFileSystem<T>(seed: number, body: (env: Env, fs: FlyerFs, cluster: FsCluster) => Promise<T>): Promise<T> {
  const cluster = new FsCluster({
    seed, managers: 1, storageNodes: 4, targetsPerNode: 3, replication: 2, metaServers: 2,
    rootLayout: { tableId: 1, tableVersion: 0, chunkSizeBytes: CHUNK_BYTES, stripeSize: 4 },
    meta: { gcDelayNs: 2 * S, gcIntervalNs: S / 5 },
  });
  let result: { value: T } | undefined;
  let failure: unknown;
  cluster.sim.addNode('client', {
    boot: async (env) => {
      try {
        const { fs } = await cluster.fileSystem(env);
        result = { value: await body(env, fs, cluster) };
      } catch (error) {
        failure = error;
      }
    },
  });
  cluster.sim.start();
  await cluster.sim.run({ untilNs: 600 * S, stopWhen: () => result !== undefined || failure !== undefined });
  if (failure) throw failure;
  if (!result) throw new Error('the client did not finish in simulated time');
  return result.value;
}

function bytesOf(env: Env, sizeBytes: number): Uint8Array {
  const random = env.random('test-data');
  return Uint8Array.from({ length: sizeBytes }, () => random.int(256));
}

const inodeHex = (inodeId: number): string => inodeId.toString(16).padStart(16, '0');

test('files of edge sizes and many chunks across stripes read back byte for byte, with exact lengths', async (t) => {
  const sizes = [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 10 * CHUNK_BYTES + 17];
  const outcomes = await onFileSystem(11, async (env, fs) => {
    await fs.mkdir('/data/in', { recursive: true });
    const seen = [];
    for (const size of sizes) {
      const bytes = bytesOf(env, size);
      await fs.writeFile(`/data/in/f${size}`, bytes);
      const stat = await fs.stat(`/data/in/f${size}`);
      const back = materialize(await fs.readFile(`/data/in/f${size}`));
      seen.push({ size, length: stat.type === 'file' ? stat.lengthBytes : -1, same: Buffer.compare(Buffer.from(back), Buffer.from(bytes)) === 0 });
    }
    return seen;
  });
  for (const outcome of outcomes) {
    t.is(outcome.length, outcome.size, `length of the ${outcome.size}-byte file`);
    t.true(outcome.same, `content of the ${outcome.size}-byte file`);
  }
});

test('truncate cuts and extends; sparse writes read zeros in the holes', async (t) => {
  const result = await onFileSystem(12, async (env, fs) => {
    const handle = await fs.open('/sparse', { write: true, create: true });
    await handle.pwrite(3 * CHUNK_BYTES + 5, realPayload('tail'));
    await handle.close();
    const length = (await fs.stat('/sparse')).type === 'file' ? ((await fs.stat('/sparse')) as { lengthBytes: number }).lengthBytes : -1;
    const head = materialize(await (await fs.open('/sparse')).pread(0, 16));
    await fs.writeFile('/cut', bytesOf(env, 3 * CHUNK_BYTES));
    await fs.truncate('/cut', CHUNK_BYTES + 10);
    const cut = materialize(await fs.readFile('/cut'));
    await fs.truncate('/cut', 2 * CHUNK_BYTES);
    const extended = materialize(await fs.readFile('/cut'));
    return { length, head: [...head], cutLength: cut.length, extendedLength: extended.length, extendedTail: [...extended.subarray(CHUNK_BYTES + 10, CHUNK_BYTES + 20)] };
  });
  t.is(result.length, 3 * CHUNK_BYTES + 9);
  t.deepEqual(result.head, new Array(16).fill(0));
  t.is(result.cutLength, CHUNK_BYTES + 10);
  t.is(result.extendedLength, 2 * CHUNK_BYTES);
  t.deepEqual(result.extendedTail, new Array(10).fill(0), 'bytes past a cut read as zeros after extending again');
});

test('GC: a removed file leaves every storage target after the delay; a file open for write waits for its close', async (t) => {
  const result = await onFileSystem(13, async (env, fs, cluster) => {
    await fs.writeFile('/closed', bytesOf(env, 6 * CHUNK_BYTES));
    const open = await fs.open('/open', { write: true, create: true });
    await open.pwrite(0, bytesOf(env, 5 * CHUNK_BYTES));
    await open.fsync();
    const closedId = (await fs.stat('/closed')).id;
    const openId = open.inode.id;
    const chunksOf = async (inodeId: number) => (await cluster.allChunks(env)).filter((c) => c.chunkId.startsWith(inodeHex(inodeId))).length;
    const before = { closed: await chunksOf(closedId), open: await chunksOf(openId) };
    await fs.unlink('/closed');
    await fs.unlink('/open');
    const rightAfter = await chunksOf(closedId);
    await env.clock.sleep(6 * S);
    const afterDelay = { closed: await chunksOf(closedId), open: await chunksOf(openId) };
    await open.close();
    await env.clock.sleep(6 * S);
    const afterClose = await chunksOf(openId);
    return { before, rightAfter, afterDelay, afterClose };
  });
  t.is(result.before.closed, 6 * 2, 'six chunks, two replicas each');
  t.is(result.before.open, 5 * 2);
  t.is(result.rightAfter, 12, 'nothing is removed before the delay');
  t.is(result.afterDelay.closed, 0, 'the closed file is collected');
  t.is(result.afterDelay.open, 10, 'the file open for write is not');
  t.is(result.afterClose, 0, 'collected once closed');
});

test('preadInto fills the caller\'s buffer across chunks and holes, stops at the end; a directory layout sets its files\' chunk size', async (t) => {
  const result = await onFileSystem(13, async (env, fs) => {
    await fs.mkdir('/big', { layout: { tableId: 1, tableVersion: 0, chunkSizeBytes: 4 * CHUNK_BYTES, stripeSize: 2 } });
    const bytes = bytesOf(env, 9 * CHUNK_BYTES + 7);
    const handle = await fs.open('/big/f', { write: true, create: true, read: true });
    await handle.pwrite(0, bytes.subarray(0, 3 * CHUNK_BYTES));
    // [3C, 5C) stays a hole.
    await handle.pwrite(5 * CHUNK_BYTES, bytes.subarray(5 * CHUNK_BYTES));
    await handle.close();
    const reader = await fs.open('/big/f');
    const into = new Uint8Array(bytes.length + 100).fill(0xee);
    const whole = await reader.preadInto(0, into);
    const middle = new Uint8Array(2 * CHUNK_BYTES).fill(0xee);
    const middleGot = await reader.preadInto(2 * CHUNK_BYTES + 3, middle);
    const expected = Uint8Array.from(bytes);
    expected.fill(0, 3 * CHUNK_BYTES, 5 * CHUNK_BYTES);
    const layout = reader.inode.layout;
    return {
      whole, same: Buffer.compare(Buffer.from(into.subarray(0, bytes.length)), Buffer.from(expected)) === 0,
      untouchedPastEnd: into.subarray(bytes.length).every((b) => b === 0xee),
      middleGot, middleSame: Buffer.compare(Buffer.from(middle), Buffer.from(expected.subarray(2 * CHUNK_BYTES + 3, 4 * CHUNK_BYTES + 3))) === 0,
      atEnd: await reader.preadInto(bytes.length, new Uint8Array(10)),
      chunkSizeBytes: layout.chunkSizeBytes, stripeSize: layout.stripeSize,
    };
  });
  t.is(result.whole, 9 * CHUNK_BYTES + 7);
  t.true(result.same, 'data, then zeros in the hole, then data');
  t.true(result.untouchedPastEnd, 'nothing written past the end of the file');
  t.is(result.middleGot, 2 * CHUNK_BYTES);
  t.true(result.middleSame, 'an unaligned read across chunk boundaries');
  t.is(result.atEnd, 0);
  t.is(result.chunkSizeBytes, 4 * CHUNK_BYTES);
  t.is(result.stripeSize, 2);
});
