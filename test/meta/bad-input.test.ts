import test from 'ava';
import { SimKvCluster } from '../../sim/kv/sim-kv.ts';
import { Simulation } from '../../sim/simulation.ts';
import { FlyerError, isFlyerError, type ErrorCode } from '../../system/env/errors.ts';
import type { RpcMethod } from '../../system/env/types.ts';
import * as m from '../../system/services/meta/messages.ts';
import { MetaService } from '../../system/services/meta/meta-service.ts';
import { checkName } from '../../system/services/meta/names.ts';
import { create, hardLink, mkdirs, open, symlink } from '../../system/services/meta/ops-create.ts';
import { closeOrSync, setAttr, truncate } from '../../system/services/meta/ops-file.ts';
import { batchStat, list, realPath, stat } from '../../system/services/meta/ops-read.ts';
import { remove, rename } from '../../system/services/meta/ops-remove.ts';
import { callerOf, newMetaWorld } from './harness.ts';
import { snapshotKv } from './kv-state.ts';
import { TEST_META_OPTIONS } from './sim-cluster.ts';

// Goal: bad input to the metadata service -- invalid names (empty, with '/', '.', '..', NUL, over-long),
// missing paths, the wrong type of inode (rmdir on a file, open a directory for write), a rename into a
// descendant, invalid numbers -- gets the POSIX-style coded error and changes nothing in the KV. Over
// RPC, malformed requests (no caller, wrong types, huge names) get coded errors and the server keeps
// serving.

const caller = callerOf(0);
let requestCounter = 0;
const rid = (): string => `bad-input-${++requestCounter}`;
/** Malformed requests are the point here: this gets them past the types. */
const untyped = (value: unknown): any => value;

const LONG_NAME = 'x'.repeat(256);
const LONG_UTF8_NAME = 'é'.repeat(128); // 256 bytes in 128 characters: limits count bytes
const LONG_PATH = `/${'p'.repeat(200)}`.repeat(21); // 4221 bytes, every component valid

/**
 * The namespace every case starts from:
 *   /d/sub/f   /f   /e (empty)   /ld -> /d   /dangling -> /nowhere   /far -> /nowhere/x   /loop -> /loop
 *   /k1 -> /f, /k2 -> /k1, ... /k11 -> /k10 (a chain: /k10 follows exactly 10 links, /k11 one too many)
 */
async function world() {
  const { kv, servers } = await newMetaWorld(1);
  const ctx = servers[0]!;
  await mkdirs(ctx, { caller, requestId: rid(), path: '/d/sub', recursive: true });
  await mkdirs(ctx, { caller, requestId: rid(), path: '/e' });
  await create(ctx, { caller, requestId: rid(), path: '/d/sub/f' });
  await create(ctx, { caller, requestId: rid(), path: '/f' });
  for (const [path, target] of [['/ld', '/d'], ['/dangling', '/nowhere'], ['/far', '/nowhere/x'], ['/loop', '/loop'], ['/k1', '/f']] as const) {
    await symlink(ctx, { caller, requestId: rid(), path, target });
  }
  for (let i = 2; i <= 11; i++) await symlink(ctx, { caller, requestId: rid(), path: `/k${i}`, target: `/k${i - 1}` });
  return { kv, ctx };
}

type Ctx = Awaited<ReturnType<typeof world>>['ctx'];
type Case = readonly [code: ErrorCode, what: string, run: (ctx: Ctx) => Promise<unknown>];

const CASES: readonly Case[] = [
  // Invalid names and paths.
  ['META_INVALID_NAME', 'create ""', (c) => create(c, { caller, requestId: rid(), path: '' })],
  ['META_INVALID_NAME', 'create a relative path', (c) => create(c, { caller, requestId: rid(), path: 'd/x' })],
  ['META_INVALID_NAME', 'create /', (c) => create(c, { caller, requestId: rid(), path: '/' })],
  ['META_INVALID_NAME', 'create /.', (c) => create(c, { caller, requestId: rid(), path: '/.' })],
  ['META_INVALID_NAME', 'create /..', (c) => create(c, { caller, requestId: rid(), path: '/..' })],
  ['META_INVALID_NAME', 'create /d/. (would open /d)', (c) => create(c, { caller, requestId: rid(), path: '/d/.' })],
  ['META_INVALID_NAME', 'create /e/../', (c) => create(c, { caller, requestId: rid(), path: '/e/../' })],
  ['META_INVALID_NAME', 'create with NUL', (c) => create(c, { caller, requestId: rid(), path: '/a\u0000b' })],
  ['META_INVALID_NAME', 'mkdir -p /new/. (would create /new)', (c) => mkdirs(c, { caller, requestId: rid(), path: '/new/.', recursive: true })],
  ['META_INVALID_NAME', 'mkdir -p /new/.. (would create /new)', (c) => mkdirs(c, { caller, requestId: rid(), path: '/new/..', recursive: true })],
  ['META_INVALID_NAME', 'rm -r /d/sub/. (would remove /d/sub)', (c) => remove(c, { caller, requestId: rid(), path: '/d/sub/.', recursive: true })],
  ['META_INVALID_NAME', 'rmdir /', (c) => remove(c, { caller, requestId: rid(), path: '/', expect: 'directory' })],
  ['META_INVALID_NAME', 'rename / to /x', (c) => rename(c, { caller, requestId: rid(), srcPath: '/', dstPath: '/x' })],
  ['META_INVALID_NAME', 'rename /f to /d/..', (c) => rename(c, { caller, requestId: rid(), srcPath: '/f', dstPath: '/d/..' })],
  ['META_INVALID_NAME', 'link /f to /d/.', (c) => hardLink(c, { caller, requestId: rid(), oldPath: '/f', newPath: '/d/.' })],
  ['META_INVALID_NAME', 'symlink with an empty target', (c) => symlink(c, { caller, requestId: rid(), path: '/s', target: '' })],
  ['META_INVALID_NAME', 'symlink target with NUL', (c) => symlink(c, { caller, requestId: rid(), path: '/s', target: 'a\u0000' })],
  ['META_INVALID_NAME', 'symlink target over 4096 bytes (2100 characters)', (c) => symlink(c, { caller, requestId: rid(), path: '/s', target: 'é'.repeat(2100) })],
  ['META_INVALID_NAME', "list after a name with '/'", (c) => list(c, { caller, path: '/', afterName: 'a/b' })],
  ['META_INVALID_NAME', "list after '..'", (c) => list(c, { caller, path: '/', afterName: '..' })],
  ['META_NAME_TOO_LONG', 'create a 256-byte name', (c) => create(c, { caller, requestId: rid(), path: `/${LONG_NAME}` })],
  ['META_NAME_TOO_LONG', 'create a 128-character, 256-byte name', (c) => create(c, { caller, requestId: rid(), path: `/d/${LONG_UTF8_NAME}` })],
  ['META_NAME_TOO_LONG', 'stat a path over 4096 bytes', (c) => stat(c, { caller, path: LONG_PATH })],
  ['META_NAME_TOO_LONG', 'mkdir -p with a long middle name (nothing created before it)', (c) => mkdirs(c, { caller, requestId: rid(), path: `/ok/${LONG_NAME}/z`, recursive: true })],
  // Missing paths.
  ['META_NOT_FOUND', 'stat /nope', (c) => stat(c, { caller, path: '/nope' })],
  ['META_NOT_FOUND', 'stat a dangling link', (c) => stat(c, { caller, path: '/dangling' })],
  ['META_NOT_FOUND', 'stat a missing inode id', (c) => stat(c, { caller, inodeId: 999_999 })],
  ['META_NOT_FOUND', 'open /nope', (c) => open(c, { caller, path: '/nope' })],
  ['META_NOT_FOUND', 'create in a missing directory', (c) => create(c, { caller, requestId: rid(), path: '/nope/f' })],
  ['META_NOT_FOUND', 'create under a dangling link', (c) => create(c, { caller, requestId: rid(), path: '/dangling/f' })],
  ['META_NOT_FOUND', 'create through a link into a missing directory', (c) => create(c, { caller, requestId: rid(), path: '/far' })],
  ['META_NOT_FOUND', 'mkdir without -p under a missing directory', (c) => mkdirs(c, { caller, requestId: rid(), path: '/nope/x' })],
  ['META_NOT_FOUND', 'symlink in a missing directory', (c) => symlink(c, { caller, requestId: rid(), path: '/nope/l', target: '/f' })],
  ['META_NOT_FOUND', 'unlink /nope', (c) => remove(c, { caller, requestId: rid(), path: '/nope', expect: 'file' })],
  ['META_NOT_FOUND', 'rename a missing source', (c) => rename(c, { caller, requestId: rid(), srcPath: '/nope', dstPath: '/x' })],
  ['META_NOT_FOUND', 'rename into a missing directory', (c) => rename(c, { caller, requestId: rid(), srcPath: '/f', dstPath: '/nope/x' })],
  ['META_NOT_FOUND', 'link a missing file', (c) => hardLink(c, { caller, requestId: rid(), oldPath: '/nope', newPath: '/x' })],
  ['META_NOT_FOUND', 'link into a missing directory', (c) => hardLink(c, { caller, requestId: rid(), oldPath: '/f', newPath: '/nope/x' })],
  ['META_NOT_FOUND', 'truncate /nope', (c) => truncate(c, { caller, requestId: rid(), path: '/nope', lengthBytes: 0 })],
  ['META_NOT_FOUND', 'setattr /nope', (c) => setAttr(c, { caller, requestId: rid(), path: '/nope', perm: 0o600 })],
  ['META_NOT_FOUND', 'list /nope', (c) => list(c, { caller, path: '/nope' })],
  ['META_NOT_FOUND', 'realpath /nope', (c) => realPath(c, { caller, path: '/nope' })],
  ['META_NOT_FOUND', 'close a missing inode', (c) => closeOrSync(c, { caller, inodeId: 999_999, sessionId: 's' }, true)],
  // The wrong type of inode.
  ['META_NOT_DIRECTORY', 'rmdir a file', (c) => remove(c, { caller, requestId: rid(), path: '/f', expect: 'directory' })],
  ['META_NOT_DIRECTORY', 'rmdir a link to a directory', (c) => remove(c, { caller, requestId: rid(), path: '/ld', expect: 'directory' })],
  ['META_IS_DIRECTORY', 'unlink a directory', (c) => remove(c, { caller, requestId: rid(), path: '/e', expect: 'file' })],
  ['META_NOT_EMPTY', 'rmdir a directory with entries', (c) => remove(c, { caller, requestId: rid(), path: '/d', expect: 'directory' })],
  ['META_IS_DIRECTORY', 'open a directory for write', (c) => open(c, { caller, path: '/d', sessionId: 'w1' })],
  ['META_IS_DIRECTORY', 'create (no O_EXCL) on a directory', (c) => create(c, { caller, requestId: rid(), path: '/d', sessionId: 'w2' })],
  ['META_IS_DIRECTORY', 'create (no O_EXCL) on a link to a directory', (c) => create(c, { caller, requestId: rid(), path: '/ld' })],
  ['META_EXISTS', 'create O_EXCL on a file', (c) => create(c, { caller, requestId: rid(), path: '/f', exclusive: true })],
  ['META_EXISTS', 'create O_EXCL on a dangling link', (c) => create(c, { caller, requestId: rid(), path: '/dangling', exclusive: true })],
  ['META_EXISTS', 'mkdir on a file', (c) => mkdirs(c, { caller, requestId: rid(), path: '/f' })],
  ['META_EXISTS', 'mkdir -p on a file', (c) => mkdirs(c, { caller, requestId: rid(), path: '/f', recursive: true })],
  ['META_EXISTS', 'mkdir -p on a dangling link', (c) => mkdirs(c, { caller, requestId: rid(), path: '/dangling', recursive: true })],
  ['META_EXISTS', 'mkdir /', (c) => mkdirs(c, { caller, requestId: rid(), path: '/' })],
  ['META_EXISTS', 'symlink over a file', (c) => symlink(c, { caller, requestId: rid(), path: '/f', target: '/d' })],
  ['META_NOT_DIRECTORY', 'mkdir -p under a file', (c) => mkdirs(c, { caller, requestId: rid(), path: '/f/x/y', recursive: true })],
  ['META_NOT_DIRECTORY', 'create under a file', (c) => create(c, { caller, requestId: rid(), path: '/f/x' })],
  ['META_NOT_DIRECTORY', 'stat under a file', (c) => stat(c, { caller, path: '/f/x' })],
  ['META_NOT_DIRECTORY', 'list a file', (c) => list(c, { caller, path: '/f' })],
  ['META_IS_DIRECTORY', 'truncate a directory', (c) => truncate(c, { caller, requestId: rid(), path: '/d', lengthBytes: 0 })],
  ['META_IS_DIRECTORY', 'truncate a link to a directory', (c) => truncate(c, { caller, requestId: rid(), path: '/ld', lengthBytes: 0 })],
  ['META_NOT_DIRECTORY', 'set a layout on a file', (c) => setAttr(c, { caller, requestId: rid(), path: '/f', layout: { tableId: 1, tableVersion: 0, chunkSizeBytes: 1 << 20, stripeSize: 1 } })],
  ['META_IS_DIRECTORY', 'hard-link a directory', (c) => hardLink(c, { caller, requestId: rid(), oldPath: '/d', newPath: '/x' })],
  ['META_EXISTS', 'hard-link a directory onto an existing name (EEXIST first, as Linux)', (c) => hardLink(c, { caller, requestId: rid(), oldPath: '/d', newPath: '/f' })],
  ['META_NOT_DIRECTORY', 'rename a directory over a file', (c) => rename(c, { caller, requestId: rid(), srcPath: '/e', dstPath: '/f' })],
  ['META_IS_DIRECTORY', 'rename a file over a directory', (c) => rename(c, { caller, requestId: rid(), srcPath: '/f', dstPath: '/e' })],
  ['META_NOT_EMPTY', 'rename over a non-empty directory', (c) => rename(c, { caller, requestId: rid(), srcPath: '/e', dstPath: '/d' })],
  ['META_SYMLINK_LOOP', 'stat a link to itself', (c) => stat(c, { caller, path: '/loop' })],
  ['META_SYMLINK_LOOP', 'create through a link to itself', (c) => create(c, { caller, requestId: rid(), path: '/loop' })],
  ['META_SYMLINK_LOOP', 'stat a chain of 11 links', (c) => stat(c, { caller, path: '/k11' })],
  // Renames into a descendant.
  ['META_RENAME_INTO_SELF', 'rename a directory into itself', (c) => rename(c, { caller, requestId: rid(), srcPath: '/d', dstPath: '/d/x' })],
  ['META_RENAME_INTO_SELF', 'rename a directory into its child', (c) => rename(c, { caller, requestId: rid(), srcPath: '/d', dstPath: '/d/sub/x' })],
  ['META_RENAME_INTO_SELF', 'rename a directory into itself through a link', (c) => rename(c, { caller, requestId: rid(), srcPath: '/d', dstPath: '/ld/sub/x' })],
  ['META_RENAME_INTO_SELF', 'rename a directory over a file below it', (c) => rename(c, { caller, requestId: rid(), srcPath: '/d', dstPath: '/d/sub/f' })],
  // Invalid numbers and fields.
  ['INVALID_ARGUMENT', 'truncate to -1', (c) => truncate(c, { caller, requestId: rid(), path: '/f', lengthBytes: -1 })],
  ['INVALID_ARGUMENT', 'truncate to 1.5', (c) => truncate(c, { caller, requestId: rid(), path: '/f', lengthBytes: 1.5 })],
  ['INVALID_ARGUMENT', 'truncate to NaN', (c) => truncate(c, { caller, requestId: rid(), path: '/f', lengthBytes: Number.NaN })],
  ['INVALID_ARGUMENT', 'chmod 010000', (c) => setAttr(c, { caller, requestId: rid(), path: '/f', perm: 0o10000 })],
  ['INVALID_ARGUMENT', 'chown to -1', (c) => setAttr(c, { caller, requestId: rid(), path: '/f', uid: -1 })],
  ['INVALID_ARGUMENT', 'create with mode 010000', (c) => create(c, { caller, requestId: rid(), path: '/new', perm: 0o10000 })],
  ['INVALID_ARGUMENT', 'create with an empty session id', (c) => create(c, { caller, requestId: rid(), path: '/new', sessionId: '' })],
  ['INVALID_ARGUMENT', 'list 0 entries', (c) => list(c, { caller, path: '/', limit: 0 })],
  ['INVALID_ARGUMENT', 'batch stat of a non-array', (c) => batchStat(c, untyped('1,2'))],
  ['INVALID_ARGUMENT', 'batch stat of a negative id', (c) => batchStat(c, [-1])],
  ['INVALID_ARGUMENT', 'stat inode 1.5', (c) => stat(c, { caller, inodeId: 1.5 })],
  ['INVALID_ARGUMENT', 'remove to trash with a negative expiry', (c) => remove(c, { caller, requestId: rid(), path: '/f', trashExpireNs: -5 })],
  ['META_INVALID_LAYOUT', 'mkdir with a 1000-byte chunk', (c) => mkdirs(c, { caller, requestId: rid(), path: '/new', layout: { tableId: 1, tableVersion: 0, chunkSizeBytes: 1000, stripeSize: 1 } })],
];

test(`${CASES.length} bad inputs: each gets its coded error and leaves the KV exactly as it was`, async (t) => {
  const { kv, ctx } = await world();
  for (const [code, what, run] of CASES) {
    const before = await snapshotKv(kv);
    const error = await run(ctx).then(() => undefined, (e: unknown) => e);
    t.true(isFlyerError(error, code), `${what}: expected ${code}, got ${error instanceof Error ? error.message : 'success'}`);
    t.deepEqual((await snapshotKv(kv)).raw, before.raw, `${what}: the KV changed`);
  }
});

test('the limits themselves are fine: a 255-byte name, a 4096-byte target, 10 links in a row', async (t) => {
  const { ctx } = await world();
  t.is((await create(ctx, { caller, requestId: rid(), path: `/${'x'.repeat(255)}` })).type, 'file');
  t.is((await create(ctx, { caller, requestId: rid(), path: `/${'é'.repeat(127)}` })).type, 'file');
  t.is((await symlink(ctx, { caller, requestId: rid(), path: '/long', target: 'é'.repeat(2048) })).type, 'symlink');
  t.is((await stat(ctx, { caller, path: '/k10' })).type, 'file');
  t.is((await stat(ctx, { caller, path: '/k11', followLast: false })).type, 'symlink');
});

test('create through a dangling link whose target name is over-long: NAME_TOO_LONG, nothing created', async (t) => {
  const { kv, ctx } = await world();
  await symlink(ctx, { caller, requestId: rid(), path: '/tl', target: `/d/${LONG_NAME}` });
  const before = await snapshotKv(kv);
  await t.throwsAsync(create(ctx, { caller, requestId: rid(), path: '/tl' }), { instanceOf: FlyerError, message: /NAME_TOO_LONG/ });
  t.deepEqual((await snapshotKv(kv)).raw, before.raw);
});

test('checkName refuses what no directory entry may be called', (t) => {
  for (const name of ['', '.', '..', 'a/b', '/', 'a\u0000', LONG_NAME, LONG_UTF8_NAME, 7, undefined]) {
    t.throws(() => checkName(name), { instanceOf: FlyerError }, JSON.stringify(name));
  }
  t.is(checkName('a..b'), 'a..b');
});

/** Malformed requests as they may arrive off the wire: each is [method, request, expected code]. */
const MALFORMED: ReadonlyArray<readonly [RpcMethod<any, any>, unknown, ErrorCode]> = [
  [m.metaStat, {}, 'INVALID_ARGUMENT'],
  [m.metaStat, null, 'INVALID_ARGUMENT'],
  [m.metaStat, 'stat /', 'INVALID_ARGUMENT'],
  [m.metaStat, { caller: { clientId: 5, uid: 1, gid: 1 }, path: '/' }, 'INVALID_ARGUMENT'],
  [m.metaStat, { caller: { clientId: 'c', uid: '1', gid: 1 }, path: '/' }, 'INVALID_ARGUMENT'],
  [m.metaStat, { caller, path: 42 }, 'META_INVALID_NAME'],
  [m.metaStat, { caller, inodeId: 1e300 }, 'INVALID_ARGUMENT'],
  [m.metaStat, { caller, path: '/', followLast: 'no' }, 'INVALID_ARGUMENT'],
  [m.metaCreate, { caller, path: '/x' }, 'INVALID_ARGUMENT'],
  [m.metaCreate, { caller, requestId: 'r'.repeat(200), path: '/x' }, 'INVALID_ARGUMENT'],
  [m.metaCreate, { caller, requestId: 'c1', path: '/x', exclusive: 1 }, 'INVALID_ARGUMENT'],
  [m.metaRemove, { caller, requestId: 'c2', path: '/d', recursive: 'false' }, 'INVALID_ARGUMENT'],
  [m.metaRemove, { caller, requestId: 'c3', path: '/f', expect: 'dir' }, 'INVALID_ARGUMENT'],
  [m.metaMkdirs, { caller, requestId: 'c4', path: `/${'n'.repeat(100_000)}`, recursive: true }, 'META_NAME_TOO_LONG'],
  [m.metaMkdirs, { caller, requestId: 'c5', path: '/x', layout: 'big' }, 'META_INVALID_LAYOUT'],
  [m.metaSymlink, { caller, requestId: 'c6', path: '/s', target: ['x'] }, 'META_INVALID_NAME'],
  [m.metaRename, { caller, requestId: 'c7', srcPath: null, dstPath: '/x' }, 'META_INVALID_NAME'],
  [m.metaHardLink, { caller, requestId: 'c8', oldPath: '/f', newPath: 7 }, 'META_INVALID_NAME'],
  [m.metaList, { caller, path: '/', limit: '5' }, 'INVALID_ARGUMENT'],
  [m.metaBatchStat, { caller, inodeIds: 'x' }, 'INVALID_ARGUMENT'],
  [m.metaBatchStat, { caller, inodeIds: new Array(5000).fill(0) }, 'INVALID_ARGUMENT'],
  [m.metaBatchStatByPath, { caller, paths: { 0: '/' } }, 'INVALID_ARGUMENT'],
  [m.metaTruncate, { caller, requestId: 'c9', path: '/f', lengthBytes: '5' }, 'INVALID_ARGUMENT'],
  [m.metaSetAttr, { caller, requestId: 'c10', path: '/f', perm: 'rwx' }, 'INVALID_ARGUMENT'],
  [m.metaClose, { caller, inodeId: 'x' }, 'INVALID_ARGUMENT'],
  [m.metaSync, { caller, inodeId: 0, lengthHintBytes: -1 }, 'INVALID_ARGUMENT'],
  [m.metaPruneSessions, { caller, deadClientId: 5 }, 'INVALID_ARGUMENT'],
];

test(`${MALFORMED.length} malformed RPC requests to a simulated meta server: coded errors, nothing changed, still serving`, async (t) => {
  const kv = new SimKvCluster();
  const sim = new Simulation({ seed: 5, kvFactory: kv.factory });
  const results: Array<{ what: string; code: string | undefined; expected: ErrorCode }> = [];
  const namespace: { before?: unknown; after?: unknown } = {};
  let servedAfter = false;
  sim.addNode('meta-1', { boot: async (env) => void (await MetaService.start(env, TEST_META_OPTIONS)) });
  sim.addNode('client', {
    boot: async (env) => {
      await env.clock.sleep(10_000_000); // the server is up
      const call = (method: RpcMethod<any, any>, request: unknown) => env.rpc.call('meta-1', method, untyped(request), { timeoutNs: 1_000_000_000 });
      await call(m.metaMkdirs, { caller, requestId: 'setup-1', path: '/d/sub', recursive: true });
      await call(m.metaCreate, { caller, requestId: 'setup-2', path: '/f' });
      namespace.before = await namespaceKeys(kv);
      for (const [method, request, expected] of MALFORMED) {
        const code = await call(method, request).then(() => undefined, (e: unknown) => (isFlyerError(e) ? e.code : String(e)));
        results.push({ what: `${method.name} ${JSON.stringify(request)?.slice(0, 80)}`, code, expected });
      }
      namespace.after = await namespaceKeys(kv);
      const made = await call(m.metaCreate, { caller, requestId: 'after-1', path: '/d/g' });
      servedAfter = made.inode.type === 'file' && (await call(m.metaStat, { caller, path: '/d/g' })).inode.id === made.inode.id;
    },
  });
  sim.start();
  await sim.run({ untilNs: 30_000_000_000, stopWhen: () => servedAfter });
  for (const { what, code, expected } of results) t.is(code, expected, what);
  t.is(results.length, MALFORMED.length);
  t.deepEqual(namespace.after, namespace.before, 'no malformed request changed the namespace');
  t.true(servedAfter, 'the server still serves well-formed requests');
  t.deepEqual(sim.failures, []);
});

/** The namespace tables (everything but the servers' liveness stamps, which change on their own). */
async function namespaceKeys(kv: SimKvCluster): Promise<unknown> {
  const msrv = Buffer.from('MSRV').toString('hex');
  return (await snapshotKv(kv.store('meta'))).raw.filter(([key]) => !key.startsWith(msrv));
}
