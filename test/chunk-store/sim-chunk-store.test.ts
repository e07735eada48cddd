import test from 'ava';
import type { ChunkStore, ChunkUpdate } from '../../system/env/chunk-store.ts';
import { crc32c } from '../../system/env/crc32c.ts';
import { materialize, realPayload, SyntheticPayload, syntheticPayload } from '../../system/env/payload.ts';
import type { Env } from '../../system/env/types.ts';
import { payloadChecksum } from '../../system/services/storage/chunk-content.ts';
import { frameRecord, parseLog } from '../../sim/chunk-store/wal-records.ts';
import { cid, codeOf, runLives } from './helpers.ts';

// Goal: the simulated chunk store keeps the Rust engine's contract: CRAQ version rules, reads that only
// see committed data, exact contents after writes/truncates/replaces/removes, id-ordered listing, coded
// errors for bad input, and crash durability of exactly what was acknowledged.

const CHUNK = 1 << 20;
const open = (env: Env, path = 't1'): Promise<ChunkStore> => env.openChunkStore({ targetId: 1, path, create: true });
const upd = (store: ChunkStore, n: number, update: ChunkUpdate, updateVersion = 0, chainVersion = 1) =>
  store.update({ chunkId: cid(n), update, updateVersion, chainVersion, chunkSizeBytes: CHUNK });
const write = (offsetBytes: number, text: string): ChunkUpdate => ({ kind: 'write', offsetBytes, payload: realPayload(text) });
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

test('update versions follow the CRAQ rules of the Rust engine', async (t) => {
  const [codes] = await runLives([async (env) => {
    const s = await open(env);
    const out: Record<string, unknown> = {};
    out.first = (await upd(s, 1, write(0, 'a'))).updateVersion; // head: auto = committed + 1
    await s.commit(cid(1), 1, 1);
    out.successorNext = (await upd(s, 1, write(0, 'b'), 2)).updateVersion;
    out.pendingReplaced = (await upd(s, 1, write(0, 'c'), 2)).updateVersion; // a leftover pending copy is replaced
    out.committed = await codeOf(upd(s, 1, write(0, 'x'), 1));
    out.missing = await codeOf(upd(s, 1, write(0, 'x'), 4));
    out.oldChain = await codeOf(upd(s, 1, write(0, 'x'), 2, 0));
    out.replaceAnyVersion = (await upd(s, 1, { kind: 'replace', payload: realPayload('r') }, 9)).updateVersion;
    out.commitMismatch = await codeOf(s.commit(cid(1), 7, 1));
    out.commitReplace = (await s.commit(cid(1), 9, 3)).commitVersion;
    out.staleCommit = (await s.commit(cid(1), 5, 3)).commitVersion; // already committed: success, state unchanged
    out.commitOldChain = await codeOf(s.commit(cid(1), 10, 2));
    out.commitUnknown = await codeOf(s.commit(cid(2), 1, 1));
    out.removeUnknown = await codeOf(upd(s, 2, { kind: 'remove' }));
    out.chainRecorded = (await s.meta(cid(1)))!.chainVersion;
    return out;
  }]);
  t.deepEqual(codes, {
    first: 1, successorNext: 2, pendingReplaced: 2, committed: 'CHUNK_COMMITTED_UPDATE', missing: 'CHUNK_MISSING_UPDATE',
    oldChain: 'CHUNK_CHAIN_VERSION_MISMATCH', replaceAnyVersion: 9, commitMismatch: 'CHUNK_COMMIT_MISMATCH', commitReplace: 9,
    staleCommit: 9, commitOldChain: 'CHUNK_CHAIN_VERSION_MISMATCH', commitUnknown: 'CHUNK_NOT_FOUND', removeUnknown: 'CHUNK_NOT_FOUND',
    chainRecorded: 3,
  });
});

test('reads see only the committed version; the pending one shows in updateVersion', async (t) => {
  const [seen] = await runLives([async (env) => {
    const s = await open(env);
    const before = await codeOf(s.read(cid(1), 0, 1));
    await upd(s, 1, write(0, 'hello'));
    const pendingOnly = [await codeOf(s.read(cid(1), 0, 1)), await s.meta(cid(1))];
    await s.commit(cid(1), 1, 1);
    await upd(s, 1, write(0, 'J'));
    const meta = await s.meta(cid(1));
    const during = text(materialize((await s.read(cid(1), 0, 5)).payload));
    await s.commit(cid(1), 2, 1);
    const after = text(materialize((await s.read(cid(1), 0, 5)).payload));
    return { before, pendingOnly, meta: [meta!.commitVersion, meta!.updateVersion, meta!.lengthBytes], during, after };
  }]);
  t.is(seen!.before, 'CHUNK_NOT_FOUND');
  t.is(seen!.pendingOnly[0], 'CHUNK_NOT_FOUND');
  t.like(seen!.pendingOnly[1] as object, { commitVersion: 0, updateVersion: 1, lengthBytes: 0 });
  t.deepEqual(seen!.meta, [1, 2, 5]);
  t.is(seen!.during, 'hello');
  t.is(seen!.after, 'Jello');
});

test('writes zero-fill gaps; truncate shrinks and extends with zeros; replace and remove', async (t) => {
  const [r] = await runLives([async (env) => {
    const s = await open(env);
    let v = 0;
    const apply = async (u: ChunkUpdate): Promise<void> => {
      const meta = await upd(s, 1, u);
      v = meta.updateVersion;
      await s.commit(cid(1), v, 1);
    };
    const bytes = async (): Promise<number[]> => {
      const meta = (await s.meta(cid(1)))!;
      return [...materialize((await s.read(cid(1), 0, meta.lengthBytes)).payload)];
    };
    await apply(write(2, 'ab'));
    const gap = await bytes();
    await apply({ kind: 'truncate', lengthBytes: 6 });
    const extended = await bytes();
    await apply({ kind: 'truncate', lengthBytes: 3 });
    const shrunk = await bytes();
    await apply({ kind: 'replace', payload: realPayload('xy') });
    const replaced = await bytes();
    const crcMatches = (await s.meta(cid(1)))!.crc32c === crc32c(new Uint8Array([120, 121]));
    await apply({ kind: 'remove' });
    return { gap, extended, shrunk, replaced, crcMatches, removed: await s.meta(cid(1)), removedRead: await codeOf(s.read(cid(1), 0, 0)) };
  }]);
  t.deepEqual(r!.gap, [0, 0, 97, 98]);
  t.deepEqual(r!.extended, [0, 0, 97, 98, 0, 0]);
  t.deepEqual(r!.shrunk, [0, 0, 97]);
  t.deepEqual(r!.replaced, [120, 121]);
  t.true(r!.crcMatches, 'real content carries its true CRC32C');
  t.is(r!.removed, undefined);
  t.is(r!.removedRead, 'CHUNK_NOT_FOUND');
});

test('synthetic appends of one stream stay synthetic and checksum as a digest', async (t) => {
  const [r] = await runLives([async (env) => {
    const s = await open(env);
    for (let i = 0; i < 4; i++) {
      const m = await upd(s, 1, { kind: 'write', offsetBytes: i * 256 * 1024, payload: syntheticPayload({ contentSeed: 5, offsetBytes: i * 256 * 1024, sizeBytes: 256 * 1024 }) });
      await s.commit(cid(1), m.updateVersion, 1);
    }
    const read = await s.read(cid(1), 0, CHUNK);
    return { synthetic: read.payload instanceof SyntheticPayload, crc: read.meta.crc32c, expected: payloadChecksum(syntheticPayload({ contentSeed: 5, sizeBytes: CHUNK })) };
  }]);
  t.true(r!.synthetic, 'no bytes were materialized');
  t.is(r!.crc, r!.expected);
});

test('a commit survives a crash; an uncommitted update does not', async (t) => {
  const [removed, after] = await runLives<unknown>([
    async (env) => {
      const s = await open(env);
      await s.commit(cid(1), (await upd(s, 1, write(0, 'kept'))).updateVersion, 1);
      await upd(s, 1, write(0, 'lost'), 2); // pending when the node dies
      await upd(s, 2, write(0, 'never')); // a chunk that only ever had a pending version
      await s.commit(cid(3), (await upd(s, 3, write(0, 'gone'))).updateVersion, 1);
      return s.removeRange(cid(3), cid(4), 10);
    },
    async (env) => {
      const s = await open(env);
      const m1 = await s.meta(cid(1));
      return {
        one: text(materialize((await s.read(cid(1), 0, 4)).payload)),
        versions: [m1!.commitVersion, m1!.updateVersion],
        two: await s.meta(cid(2)),
        three: await s.meta(cid(3)),
      };
    },
  ]);
  t.is(removed, 1);
  t.deepEqual(after, { one: 'kept', versions: [1, 1], two: undefined, three: undefined });
});

test('checkpoints keep the log bounded and recovery exact', async (t) => {
  const config = { checkpointBytes: 4096 };
  const [before, after] = await runLives<Record<string, number>>([
    async (env) => {
      const s = await open(env);
      for (let round = 0; round < 40; round++) {
        for (let n = 0; n < 5; n++) {
          const m = await upd(s, n, write(round % 7, `r${round}n${n}`));
          await s.commit(cid(n), m.updateVersion, 1);
        }
      }
      const state: Record<string, number> = { files: (await env.disk.list('t1/')).length };
      for (const m of await s.list(cid(0), cid(99), 100)) state[String(m.chunkId[15])] = m.crc32c * 1000 + m.commitVersion;
      return state;
    },
    async (env) => {
      const s = await open(env);
      const state: Record<string, number> = { files: (await env.disk.list('t1/')).length };
      for (const m of await s.list(cid(0), cid(99), 100)) state[String(m.chunkId[15])] = m.crc32c * 1000 + m.commitVersion;
      return state;
    },
  ], config);
  t.is(before!.files, 1, 'old generations are removed');
  t.deepEqual(after, before);
  t.is(before!['0']! % 1000, 40);
});

test('list returns metadata in id order within [begin, end) up to the limit', async (t) => {
  const [r] = await runLives([async (env) => {
    const s = await open(env);
    for (const n of [5, 1, 9, 3, 7]) await s.commit(cid(n), (await upd(s, n, write(0, 'x'))).updateVersion, 1);
    await upd(s, 4, write(0, 'p')); // pending only: listed too, as the engine does
    const ids = async (b: number, e: number, limit: number): Promise<number[]> => (await s.list(cid(b), cid(e), limit)).map((m) => m.chunkId[15]!);
    return { all: await ids(0, 100, 100), window: await ids(3, 9, 100), limited: await ids(0, 100, 2), empty: await ids(9, 9, 10) };
  }]);
  t.deepEqual(r, { all: [1, 3, 4, 5, 7, 9], window: [3, 4, 5, 7], limited: [1, 3], empty: [] });
});

test('bad input gets coded errors and leaves the store intact', async (t) => {
  const [r] = await runLives([async (env) => {
    const s = await open(env);
    await s.commit(cid(1), (await upd(s, 1, write(0, 'ok'))).updateVersion, 1);
    const bad = (request: object): Promise<string> => codeOf(s.update(request as never));
    const base = { chunkId: cid(1), updateVersion: 0, chainVersion: 1, chunkSizeBytes: CHUNK, update: write(0, 'z') };
    const busy = [codeOf(upd(s, 2, write(0, 'a'))), codeOf(upd(s, 2, write(0, 'b')))];
    const out = {
      shortId: await bad({ ...base, chunkId: new Uint8Array(15) }),
      noSize: await bad({ ...base, chunkSizeBytes: 0 }),
      hugeSize: await bad({ ...base, chunkSizeBytes: 2 ** 27 }),
      pastChunk: await bad({ ...base, update: write(CHUNK - 1, 'zz') }),
      negative: await bad({ ...base, update: write(-1, 'z') }),
      kind: await bad({ ...base, update: { kind: 'append' } }),
      noPayload: await bad({ ...base, update: { kind: 'write', offsetBytes: 0 } }),
      checksum: await bad({ ...base, update: { ...write(0, 'z'), checksum: 1 } }),
      goodChecksum: await bad({ ...base, update: { ...write(0, 'z'), checksum: crc32c(new TextEncoder().encode('z')) } }),
      readPastEnd: await codeOf(s.read(cid(1), 1, 5)),
      badListLimit: await codeOf(s.list(cid(0), cid(9), -1)),
      busy: await Promise.all(busy),
      locked: await codeOf(open(env)),
    };
    return { out, meta: await s.meta(cid(1)) };
  }]);
  t.deepEqual(r!.out, {
    shortId: 'CHUNK_INVALID_ID', noSize: 'INVALID_ARGUMENT', hugeSize: 'CHUNK_TOO_LARGE', pastChunk: 'CHUNK_TOO_LARGE',
    negative: 'INVALID_ARGUMENT', kind: 'INVALID_ARGUMENT', noPayload: 'INVALID_ARGUMENT', checksum: 'CHUNK_PAYLOAD_CHECKSUM',
    goodChecksum: 'ok', readPastEnd: 'CHUNK_OUT_OF_RANGE', badListLimit: 'INVALID_ARGUMENT', busy: ['ok', 'CHUNK_BUSY'],
    locked: 'CHUNK_ENGINE_LOCKED',
  });
  t.like(r!.meta, { commitVersion: 1, updateVersion: 2, lengthBytes: 2 });
});

test('space limits: low space is flagged and new chunks are refused near full', async (t) => {
  const [r] = await runLives([async (env) => {
    const s = await open(env);
    const before = await s.spaceInfo();
    await s.commit(cid(1), (await upd(s, 1, { kind: 'write', offsetBytes: 0, payload: syntheticPayload({ contentSeed: 3, sizeBytes: 990 }) })).updateVersion, 1);
    return { before, after: await s.spaceInfo(), refused: await codeOf(upd(s, 2, write(0, 'x'))), existing: await codeOf(upd(s, 1, write(0, 'y'))) };
  }], { capacityBytes: 1000 });
  t.like(r!.before, { capacityBytes: 1000, usedBytes: 0, lowSpace: false });
  t.like(r!.after, { usedBytes: 990, freeBytes: 10, lowSpace: true });
  t.is(r!.refused, 'CHUNK_NO_SPACE');
  t.is(r!.existing, 'ok');
});

test('a disk error fails the store until it is reopened; reopening recovers the synced state', async (t) => {
  const [failed, reopened] = await runLives<unknown>([
    async (env, sim) => {
      const s = await open(env);
      await s.commit(cid(1), (await upd(s, 1, write(0, 'safe'))).updateVersion, 1);
      const m = await upd(s, 1, write(0, 'risk'), 2);
      sim.node('n').diskFaults.ioErrorProbability = 1;
      const commit = await codeOf(s.commit(cid(1), m.updateVersion, 1));
      sim.node('n').diskFaults.ioErrorProbability = 0;
      return [commit, await codeOf(s.read(cid(1), 0, 4)), await codeOf(s.meta(cid(1)))];
    },
    async (env) => {
      const s = await open(env);
      return text(materialize((await s.read(cid(1), 0, 4)).payload));
    },
  ]);
  t.deepEqual(failed, ['CHUNK_ENGINE_IO', 'CHUNK_ENGINE_FAILED', 'CHUNK_ENGINE_FAILED']);
  t.is(reopened, 'safe');
});

test('recovery stops at a torn record and ignores a checkpoint that never finished', async (t) => {
  const [, r, third] = await runLives<unknown>([
    async (env) => {
      const s = await open(env);
      await s.commit(cid(1), (await upd(s, 1, write(0, 'one'))).updateVersion, 1);
      await s.commit(cid(2), (await upd(s, 2, write(0, 'two'))).updateVersion, 1);
      await s.close();
      // A torn tail: half of a record that was being appended when the power went.
      const wal = await env.disk.open('t1/wal.1');
      const torn = frameRecord({ t: 'remove', ids: [Buffer.from(cid(1)).toString('hex')] });
      await wal.write(wal.sizeBytes(), torn.subarray(0, torn.length - 3));
      await wal.sync();
      // A next generation whose checkpoint was cut short (no `ready` record).
      const next = await env.disk.open('t1/wal.2', { create: true });
      await next.write(0, frameRecord({ t: 'chunk', id: Buffer.from(cid(9)).toString('hex'), v: 1, cv: 1, crc: 0, c: realPayload('x') }));
      await next.sync();
      return undefined;
    },
    async (env) => {
      const s = await open(env);
      const ids = (await s.list(cid(0), cid(99), 10)).map((m) => m.chunkId[15]);
      await s.commit(cid(3), (await upd(s, 3, write(0, 'three'))).updateVersion, 1); // appends after the cut tail
      return { ids, files: await env.disk.list('t1/') };
    },
    async (env) => {
      const s = await open(env);
      return (await s.list(cid(0), cid(99), 10)).map((m) => m.chunkId[15]);
    },
  ]);
  t.deepEqual(r, { ids: [1, 2], files: ['t1/wal.1'] });
  t.deepEqual(third, [1, 2, 3], 'a record appended after the cut tail is recovered too');
});

test('a torn log parses up to its last whole record', (t) => {
  const a = frameRecord({ t: 'ready' });
  const b = frameRecord({ t: 'remove', ids: ['00'] });
  const whole = new Uint8Array([...a, ...b]);
  t.deepEqual(parseLog(whole).records.length, 2);
  const cut = parseLog(whole.subarray(0, whole.length - 1));
  t.deepEqual([cut.records.length, cut.validBytes, cut.ready], [1, a.length, true]);
  const flipped = whole.slice();
  flipped[a.length + 9] = flipped[a.length + 9]! ^ 0xff;
  t.is(parseLog(flipped).records.length, 1, 'a record whose checksum fails ends the log');
});
