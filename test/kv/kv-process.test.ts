import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { freePorts } from '../../system/cli/cluster/free-ports.ts';
import { renderNodeConfig } from '../../system/cli/node-config.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import { createRealEnv, type RealEnv } from '../../system/real/real-env.ts';
import { RemoteKv } from '../../system/services/kv/remote-kv.ts';
import { mgmtdGetRouting } from '../../system/services/mgmtd/messages.ts';
import { runFlyer } from '../cluster/helpers.ts';
import { runKvContract } from './kv-contract.ts';
import { killKvProcess, startKvProcess, startServiceProcess, writeKvConfig, type KvProcess } from './kv-process.ts';

// Goal: `flyer kv` as a real process passes the KV backend contract through RemoteKv over TCP (each
// store a fresh name on one server), refuses a bad [kv] config, loses no acknowledged commit when
// SIGKILLed mid-load, and serves managers configured with [cluster] kv (they share one lease).

const dir = mkdtempSync(join(tmpdir(), 'flyer-kv-process-'));
let server: Promise<{ kv: KvProcess; env: RealEnv }> | undefined;

/** One kv process and one client env for the whole file (started on first use). */
function shared(): Promise<{ kv: KvProcess; env: RealEnv }> {
  server ??= (async () => {
    const [port] = await freePorts(1);
    const kv = await startKvProcess(writeKvConfig(dir, port!, { stores_max: 1024 }));
    const env = createRealEnv({ nodeId: 'kv-contract-client', peers: { 'kv-1': { host: '127.0.0.1', port: kv.port } }, dataDir: join(dir, 'client'), logLevel: 'error' });
    await env.start();
    return { kv, env };
  })();
  return server;
}

test.after.always(async () => {
  if (server) {
    const { kv, env } = await server;
    await env.close();
    await killKvProcess(kv);
  }
  rmSync(dir, { recursive: true, force: true });
});

let stores = 0;
runKvContract('RemoteKv (flyer kv process)', async () => {
  const { env } = await shared();
  return RemoteKv.open(env, { server: 'kv-1', store: `contract-${++stores}` });
}, { numRuns: 15 });

test('flyer kv with a misspelt [kv] key exits 2 naming it', async (t) => {
  const path = join(dir, 'bad.toml');
  writeFileSync(path, '[node]\nid = "kv-1"\nlisten = "127.0.0.1:0"\ndata_dir = "bad"\n[kv]\nstores = 3\n');
  const run = await runFlyer(['kv', '--config', path], { timeoutMs: 20_000 });
  t.is(run.code, 2, run.stderr);
  t.regex(run.stderr, /FLYER_ERR_INVALID_ARGUMENT: .*unknown key kv\.stores/);
});

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array | undefined): string | undefined => (bytes ? new TextDecoder().decode(bytes) : undefined);

test('SIGKILL of flyer kv loses no acknowledged commit', async (t) => {
  t.timeout(60_000);
  const crashDir = mkdtempSync(join(tmpdir(), 'flyer-kv-crash-'));
  t.teardown(() => rmSync(crashDir, { recursive: true, force: true }));
  const [port] = await freePorts(1);
  const config = writeKvConfig(crashDir, port!);
  let kv = await startKvProcess(config);
  const env = createRealEnv({ nodeId: 'kv-crash-client', peers: { 'kv-1': { host: '127.0.0.1', port: port! } }, dataDir: join(crashDir, 'client'), logLevel: 'error' });
  await env.start();
  t.teardown(async () => {
    await env.close();
    await killKvProcess(kv);
  });
  const store = await RemoteKv.open(env, { server: 'kv-1', store: 'crash', callTimeoutNs: 500_000_000, commitTimeoutNs: 500_000_000, outcomeTimeoutNs: 2_000_000_000 });
  // Writers append numbered keys; each records the numbers whose commit was acknowledged.
  const acked = new Set<number>();
  let inDoubt = 0;
  let next = 0;
  let stop = false;
  const writers = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const n = next++;
      try {
        await store.transact(async (txn) => txn.set(enc(`k/${String(n).padStart(6, '0')}`), enc(String(n))), { maxRetries: 2 });
        acked.add(n);
      } catch {
        // Unavailable while the server is down, or in doubt: not acknowledged either way.
        inDoubt++;
      }
    }
  });
  while (acked.size < 200) await new Promise((resolve) => setTimeout(resolve, 5));
  await killKvProcess(kv);
  stop = true;
  await Promise.all(writers);
  const ackedBeforeCrash = acked.size;
  kv = await startKvProcess(config);
  t.not(kv.bootId, '', 'restarted');
  const present = await store.transact(async (txn) => (await txn.getRange(enc('k/'), enc('k0'))).map((p) => Number(dec(p.value))));
  const missing = [...acked].filter((n) => !present.includes(n));
  t.deepEqual(missing, [], `${ackedBeforeCrash} acknowledged before the crash, ${present.length} present after it`);
  t.log(`${ackedBeforeCrash} acknowledged, ${inDoubt} not acknowledged, ${present.length} present after the restart`);
});

test('two managers over one flyer kv process share their state: one primary', async (t) => {
  t.timeout(60_000);
  const { kv, env } = await shared();
  const ports = await freePorts(2);
  const managers = ports.map((port, i) => `mgmtd-${i + 1}=127.0.0.1:${port}`);
  const children = await Promise.all(ports.map((port, i) => {
    const path = join(dir, `mgmtd-${i + 1}.toml`);
    writeFileSync(path, renderNodeConfig({
      nodeId: `mgmtd-${i + 1}`, listen: `127.0.0.1:${port}`, dataDir: `mgmtd-${i + 1}`, mgmtd: managers, kv: [`kv-1=127.0.0.1:${kv.port}`], logLevel: 'warn',
      extra: { mgmtd: { lease_length_ms: 2_000, extend_lease_interval_ms: 500, bootstrapping_ms: 0 } },
    }));
    return startServiceProcess('mgmtd', path);
  }));
  t.teardown(() => Promise.all(children.map(killKvProcess)));
  ports.forEach((port, i) => env.rpc.addPeer(`mgmtd-${i + 1}`, { host: '127.0.0.1', port: port! }));
  const answers = async (): Promise<string[]> => Promise.all(ports.map(async (_, i) => {
    try {
      await env.rpc.call(`mgmtd-${i + 1}`, mgmtdGetRouting, { knownVersion: 0 }, { timeoutNs: 1_000_000_000 });
      return 'primary';
    } catch (error) {
      return isFlyerError(error) ? error.code : String(error);
    }
  }));
  let seen = await answers();
  for (let i = 0; i < 100 && !seen.includes('primary'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    seen = await answers();
  }
  t.deepEqual([...seen].sort(), ['MGMTD_NOT_PRIMARY', 'primary'], 'the lease in the shared store lets exactly one manager lead');
  t.false(existsSync(join(dir, 'mgmtd-1', 'kv')) || existsSync(join(dir, 'mgmtd-2', 'kv')), 'no embedded store');
});
