/**
 * `flyer meta` as a process: bad [meta] configs exit 2 naming the field; a meta server whose manager
 * has no chain table yet starts, answers namespace calls, and refuses to create files with
 * META_INVALID_LAYOUT (the order `cluster up` avoids by starting meta after the table exists).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { freePorts } from '../../system/cli/cluster/free-ports.ts';
import { parseNodeConfig, renderNodeConfig } from '../../system/cli/node-config.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import { createRealEnv } from '../../system/real/real-env.ts';
import { MetaClient } from '../../system/services/meta/meta-client.ts';
import { FLYER, runFlyer, tempClusterDir } from '../cluster/helpers.ts';

const MS = 1_000_000;
const NODE = '[node]\nid = "meta-1"\nlisten = "127.0.0.1:0"\ndata_dir = "data"\n[cluster]\nmgmtd = ["mgmtd-1=127.0.0.1:9001"]\n';

const BAD: Array<{ name: string; text: string; message: RegExp }> = [
  { name: 'misspelt key', text: `${NODE}[meta]\ngc_delay = 5\n`, message: /unknown key meta\.gc_delay/ },
  { name: 'chunk size not a power of two', text: `${NODE}[meta.root_layout]\nchunk_size_bytes = 100000\n`, message: /meta\.root_layout: chunk size must be a power of two/ },
  { name: 'no manager', text: '[node]\nid = "meta-1"\nlisten = "127.0.0.1:0"\ndata_dir = "data"\n', message: /cluster\.mgmtd must name at least one manager/ },
];

for (const bad of BAD) {
  test(`flyer meta with a bad config (${bad.name}) exits 2 naming the problem`, async (t) => {
    const dir = tempClusterDir(t, 'meta-badcfg');
    const path = join(dir, 'meta.toml');
    writeFileSync(path, bad.text);
    const run = await runFlyer(['meta', '--config', path], { timeoutMs: 20_000 });
    t.is(run.code, 2, run.stderr);
    t.regex(run.stderr, /^FLYER_ERR_INVALID_ARGUMENT: /);
    t.regex(run.stderr, bad.message);
    t.is(run.stdout, '', 'never ready');
  });
}

test('parseNodeConfig reads [meta] in milliseconds and the root layout', (t) => {
  const config = parseNodeConfig(`${NODE}[meta]\ngc_delay_ms = 2000\nheartbeat_interval_ms = 500\n[meta.root_layout]\nchunk_size_bytes = 65536\nstripe_size = 4\n`, '/tmp');
  t.deepEqual(config.meta, { gcDelayNs: 2000 * MS, heartbeatIntervalNs: 500 * MS, rootLayout: { tableId: 1, tableVersion: 0, chunkSizeBytes: 65536, stripeSize: 4 } });
  t.deepEqual(parseNodeConfig(NODE, '/tmp').meta, {}, 'absent: service defaults');
});

/** Spawns `flyer <role> --config`, resolving with the process once it prints its ready line. */
function startProcess(t: { teardown(fn: () => void): void }, role: string, config: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FLYER, role, '--config', config, '--exit-with-pid', String(process.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"ready":true')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${role} exited ${code} before ready:\n${err}`)));
  });
}

test('a meta server without the root layout\'s chain table serves the namespace and refuses creates with META_INVALID_LAYOUT', async (t) => {
  t.timeout(90_000);
  const dir = tempClusterDir(t, 'meta-notable');
  const [mgmtdPort, metaPort] = await freePorts(2);
  const mgmtd = `mgmtd-1=127.0.0.1:${mgmtdPort}`;
  writeFileSync(join(dir, 'mgmtd.toml'), renderNodeConfig({ nodeId: 'mgmtd-1', listen: `127.0.0.1:${mgmtdPort}`, dataDir: 'mgmtd', mgmtd: [mgmtd], extra: { mgmtd: { bootstrapping_ms: 0 } } }));
  writeFileSync(join(dir, 'meta.toml'), renderNodeConfig({
    nodeId: 'meta-1', listen: `127.0.0.1:${metaPort}`, dataDir: 'meta', mgmtd: [mgmtd], extra: { mgmtd_client: { refresh_interval_ms: 200 }, meta: { heartbeat_interval_ms: 500 } },
  }));
  await startProcess(t, 'mgmtd', join(dir, 'mgmtd.toml'));
  await startProcess(t, 'meta', join(dir, 'meta.toml'));

  const env = createRealEnv({ nodeId: 'notable-client', peers: { 'meta-1': { host: '127.0.0.1', port: metaPort! } }, dataDir: join(dir, 'client'), logLevel: 'error' });
  await env.start();
  t.teardown(() => env.close());
  const meta = new MetaClient(env, { servers: ['meta-1'], caller: { clientId: 'notable-client', uid: 0, gid: 0 }, totalTimeoutNs: 10_000 * MS });
  t.like(await meta.stat('/'), { type: 'directory', layout: { tableId: 1, chunkSizeBytes: 1 << 20, stripeSize: 16 } });
  t.like(await meta.mkdirs('/a/b', { recursive: true }), { type: 'directory' });
  const error = await t.throwsAsync(meta.create('/a/b/file'));
  t.true(isFlyerError(error, 'META_INVALID_LAYOUT'), String(error));
  t.regex(error!.message, /no chain table 1/);
  t.deepEqual((await meta.listAll('/a/b')).map((e) => e.name), [], 'the failed create left nothing behind');
});
