/**
 * Two real meta servers over one `flyer kv` process (`flyer cluster up --meta-servers 2`): files created
 * through meta-1 are visible through meta-2; creates racing in one directory from both servers conflict
 * in the shared KV and are retried, losing no entry; and a SIGKILL of the kv process loses no
 * acknowledged create (checked after restarting it, through both servers).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { clusterPaths, readManifest } from '../../system/cli/cluster/cluster-manifest.ts';
import { LocalLauncher } from '../../system/cli/cluster/local-launcher.ts';
import { createRealEnv, type PeerAddress } from '../../system/real/real-env.ts';
import { MetaClient } from '../../system/services/meta/meta-client.ts';
import { clusterUp, runFlyer, tempClusterDir } from '../cluster/helpers.ts';

const MS = 1_000_000;

test('two meta servers share one namespace through a flyer kv process', async (t) => {
  t.timeout(180_000);
  const dir = tempClusterDir(t, 'shared-meta');
  const up = await clusterUp(dir, ['--storage-nodes', '1', '--targets-per-node', '1', '--replication', '1', '--meta-servers', '2', '--chunk-size', '64KiB']);
  t.is(up.code, 0, `cluster up failed:\n${up.stderr}`);
  const manifest = readManifest(dir);
  const kvNode = manifest.nodes.find((n) => n.role === 'kv');
  t.truthy(kvNode, 'several meta servers get a kv server');
  t.regex(readFileSync(clusterPaths.config(dir, 'meta-2'), 'utf8'), new RegExp(`kv = \\[ "kv-1=127.0.0.1:${kvNode!.port}" \\]`));

  const peers: Record<string, PeerAddress> = {};
  for (const node of manifest.nodes) peers[node.id] = { host: node.host, port: node.port };
  const env = createRealEnv({ nodeId: 'shared-client', peers, dataDir: join(dir, 'client'), logLevel: 'error' });
  await env.start();
  t.teardown(() => env.close());
  const client = (server: string): MetaClient => new MetaClient(env, {
    servers: [server], caller: { clientId: `shared-client-${server}`, uid: 0, gid: 0 }, attemptTimeoutNs: 2_000 * MS, totalTimeoutNs: 30_000 * MS,
  });
  const meta1 = client('meta-1');
  const meta2 = client('meta-2');
  const names = async (meta: MetaClient, path: string): Promise<string[]> => (await meta.listAll(path)).map((e) => e.name).sort();

  // Created through one server, seen through the other.
  await meta1.mkdirs('/shared', { recursive: true });
  await meta1.create('/shared/from-1', { exclusive: true });
  t.like(await meta2.stat('/shared/from-1'), { type: 'file' });
  await meta2.create('/shared/from-2', { exclusive: true });
  t.deepEqual(await names(meta1, '/shared'), ['from-1', 'from-2']);

  // Both servers create in one directory at once: distinct names (none may be lost), and the same
  // names from both sides, which conflict in the shared KV. Opening-or-creating one name from both must
  // give one inode (a lost conflict would leave two, one entry overwriting the other); creating it
  // exclusively from both must succeed exactly once.
  await meta1.mkdirs('/race');
  const racers = (meta: MetaClient, prefix: string): Promise<void>[] => Array.from({ length: 4 }, async (_, worker) => {
    for (let i = 0; i < 10; i++) await meta.create(`/race/${prefix}-${worker}-${i}`, { exclusive: true });
  });
  const sameName = Array.from({ length: 20 }, async (_, i) => {
    const [a, b] = await Promise.all([meta1.create(`/race/same-${i}`), meta2.create(`/race/same-${i}`)]);
    return a.id === b.id;
  });
  const exclusive = Array.from({ length: 20 }, (_, i) => Promise.allSettled([1, 2].map((m) => (m === 1 ? meta1 : meta2).create(`/race/excl-${i}`, { exclusive: true }))));
  await Promise.all([...racers(meta1, 'a'), ...racers(meta2, 'b')]);
  t.deepEqual(await Promise.all(sameName), Array(20).fill(true), 'both servers opened the one inode of each name');
  for (const [i, outcomes] of (await Promise.all(exclusive)).entries()) {
    t.is(outcomes.filter((o) => o.status === 'fulfilled').length, 1, `excl-${i}: exactly one exclusive create wins`);
    t.regex(String((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult | undefined)?.reason), /META_EXISTS/);
  }
  const raced = await names(meta2, '/race');
  t.is(raced.length, 2 * 4 * 10 + 20 + 20, 'no entry lost');
  t.deepEqual(await names(meta1, '/race'), raced);

  // SIGKILL the kv process while both servers create; every acknowledged create survives its restart.
  const launcher = new LocalLauncher({ dir, exitWithPid: process.pid });
  await meta1.mkdirs('/crash');
  const acked: string[] = [];
  let stop = false;
  const writers = [meta1, meta2].flatMap((meta, m) => Array.from({ length: 3 }, async (_, worker) => {
    for (let i = 0; !stop; i++) {
      const name = `m${m + 1}-${worker}-${i}`;
      try {
        await meta.create(`/crash/${name}`, { exclusive: true });
        acked.push(name);
      } catch {
        // Caught by the kill: not acknowledged, so either outcome is allowed.
        return;
      }
    }
  }));
  while (acked.length < 30) await new Promise((resolve) => setTimeout(resolve, 10));
  await launcher.kill(kvNode!);
  const ackedAtKill = acked.length;
  stop = true;
  await new Promise((resolve) => setTimeout(resolve, 300));
  await launcher.start(kvNode!, { readyTimeoutMs: 30_000 });
  await Promise.all(writers);
  const after1 = await names(meta1, '/crash');
  const after2 = await names(meta2, '/crash');
  t.deepEqual(after1, after2, 'both servers see one namespace after the restart');
  t.deepEqual(acked.filter((name) => !after1.includes(name)), [], `${acked.length} acknowledged (${ackedAtKill} before the kill), ${after1.length} present`);
  // And the servers carry on over the restarted kv process.
  await meta2.create('/crash/after-restart', { exclusive: true });
  t.like(await meta1.stat('/crash/after-restart'), { type: 'file' });

  const status = await runFlyer(['cluster', 'status', '--dir', dir, '--json'], { timeoutMs: 30_000 });
  t.is(status.code, 0, status.stdout + status.stderr);
  t.like(JSON.parse(status.stdout), { kv: [{ node: 'kv-1', serving: true }] });
  const down = await runFlyer(['cluster', 'down', '--dir', dir]);
  t.is(down.code, 0, down.stderr);
  t.regex(down.stdout, /stopped 5 processes/);
});
