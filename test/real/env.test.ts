import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import type { KvStore } from '../../system/env/kv.ts';
import type { LogEntry } from '../../system/env/log.ts';
import { randomStream } from '../../system/env/random.ts';
import { defineMethod } from '../../system/env/types.ts';
import { createRealEnv } from '../../system/real/real-env.ts';
import { tempDir } from './helpers.ts';

test('a RealEnv is real mode: seeded cached streams, no buggify, coverage set, free cpu', async (t) => {
  const dir = await tempDir('env');
  t.teardown(dir.cleanup);
  const env = createRealEnv({ nodeId: 'meta-1', dataDir: dir.path, seed: 1234 });
  t.is(env.mode, 'real');
  t.is(env.random('placement'), env.random('placement'), 'one stream object per subsystem');
  const expected = randomStream(1234, 'meta-1', 'placement');
  const fresh = createRealEnv({ nodeId: 'meta-1', dataDir: dir.path, seed: 1234 }).random('placement');
  t.deepEqual([fresh.nextU32(), fresh.nextU32()], [expected.nextU32(), expected.nextU32()]);
  t.false(env.buggify('storage.write.fail', 1));
  env.sometimes('resync.started');
  env.sometimes('never.true', false);
  t.deepEqual([...env.reachedProperties], ['resync.started']);
  await env.cpu.charge(1_000_000);
  t.true(env.cpu.cores >= 1);
  const unseeded = createRealEnv({ nodeId: 'x', dataDir: dir.path });
  t.true(Number.isSafeInteger(unseeded.seed) && unseeded.seed >= 0);
  t.true(isFlyerError(t.throws(() => createRealEnv({ nodeId: 'x', dataDir: dir.path, seed: 0.5 })), 'INVALID_ARGUMENT'));
});

test('chunk store and KV open through their factories, else NOT_IMPLEMENTED naming what is missing', async (t) => {
  const dir = await tempDir('env');
  t.teardown(dir.cleanup);
  const bare = createRealEnv({ nodeId: 'storage-1', dataDir: dir.path });
  const noStore = await t.throwsAsync(bare.openChunkStore({ targetId: 3, path: 'targets/3', create: true }));
  t.true(isFlyerError(noStore, 'NOT_IMPLEMENTED'));
  t.regex(noStore!.message, /chunkStoreFactory/);
  const noKv = await t.throwsAsync(bare.openKv('mgmtd'));
  t.true(isFlyerError(noKv, 'NOT_IMPLEMENTED'));
  t.regex(noKv!.message, /kvFactory/);
  const kv: KvStore = { transact: async (body) => body({} as never), close: async () => {} };
  const opened: string[] = [];
  const wired = createRealEnv({
    nodeId: 'meta-1', dataDir: dir.path,
    kvFactory: async (name, env) => {
      opened.push(`${env.nodeId}:${name}`);
      return kv;
    },
  });
  t.is(await wired.openKv('meta'), kv);
  t.deepEqual(opened, ['meta-1:meta']);
});

test('logs are structured, stamped with env time and filtered by level', async (t) => {
  const dir = await tempDir('env');
  t.teardown(dir.cleanup);
  const entries: LogEntry[] = [];
  const env = createRealEnv({ nodeId: 'client-1', dataDir: dir.path, logLevel: 'warn', logSink: (entry) => entries.push(entry) });
  env.log.info('dropped');
  env.log.warn('kept', { chainId: 4 });
  t.is(entries.length, 1);
  t.like(entries[0], { node: 'client-1', level: 'warn', message: 'kept', fields: { chainId: 4 } });
  t.true(entries[0]!.timeNs <= env.clock.now());
});

test('start() binds port 0, dials itself on loopback from a wildcard address, and refuses a second start', async (t) => {
  const dir = await tempDir('env');
  t.teardown(dir.cleanup);
  const env = createRealEnv({ nodeId: 'mgmtd', dataDir: `${dir.path}/nested/data`, listen: { host: '0.0.0.0', port: 0 }, logLevel: 'error' });
  t.teardown(() => env.close());
  t.is(env.addresses, undefined);
  const { rpc, metrics } = await env.start();
  t.true(rpc.port > 0);
  t.is(metrics, undefined);
  t.deepEqual(env.rpc.peerAddress('mgmtd'), { host: '127.0.0.1', port: rpc.port });
  const Ping = defineMethod<null, string>(2, 1, 'mgmtd.ping');
  env.rpc.serve(Ping, async (_request, context) => `pong to ${context.from}`);
  t.is(await env.rpc.call('mgmtd', Ping, null), 'pong to mgmtd');
  await (await env.disk.open('state', { create: true })).close();
  t.deepEqual(await env.disk.list(), ['state']);
  t.true(isFlyerError(await t.throwsAsync(env.start()), 'INVALID_ARGUMENT'));
});

test('start() fails with a coded error when the port is taken, and the env is left closed', async (t) => {
  const dir = await tempDir('env');
  t.teardown(dir.cleanup);
  const first = createRealEnv({ nodeId: 'one', dataDir: dir.path, logLevel: 'error' });
  t.teardown(() => first.close());
  const { rpc } = await first.start();
  const second = createRealEnv({ nodeId: 'two', dataDir: dir.path, listen: rpc, logLevel: 'error' });
  const taken = await t.throwsAsync(second.start());
  t.true(isFlyerError(taken, 'INVALID_ARGUMENT'));
  t.regex(taken!.message, /EADDRINUSE/);
  t.true(isFlyerError(await t.throwsAsync(second.start()), 'INVALID_ARGUMENT'));
});

test('by default log lines go to stderr as JSON', async (t) => {
  const { execFile } = await import('node:child_process');
  const envModule = new URL('../../system/real/real-env.ts', import.meta.url).href;
  const script = `import { createRealEnv } from ${JSON.stringify(envModule)};
    const env = createRealEnv({ nodeId: 'n1', dataDir: '/nonexistent', logLevel: 'info' });
    env.log.debug('hidden'); env.log.info('shown', { k: 1 });`;
  const stderr = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], (error, _stdout, err) => (error ? reject(error) : resolve(err)));
  });
  const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.is(lines.length, 1);
  t.like(lines[0], { node: 'n1', level: 'info', msg: 'shown', k: 1 });
  t.is(typeof lines[0]!.t, 'number');
});
