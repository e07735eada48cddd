/**
 * `flyer fs` against a real local cluster (1 manager, 3 storage processes x 4 targets, 4 chains of 3,
 * one meta server, 64 KiB chunks): cp round trips byte-identical at the chunk-size edges and for a
 * file striped over every chain, ls/stat/mv/rm/df, and bad input answered with coded errors.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { readManifest } from '../../system/cli/cluster/cluster-manifest.ts';
import { createRealEnv, type PeerAddress } from '../../system/real/real-env.ts';
import { chunkIdParts } from '../../system/services/common/chunk-key.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import { storageGetAllChunkMetadata } from '../../system/services/storage/messages.ts';
import { runFlyer, type FlyerRun } from '../cluster/helpers.ts';
import { CHUNK_SIZE_BYTES, startSharedCluster, stopSharedCluster, type SharedCluster } from './helpers.ts';

const C = CHUNK_SIZE_BYTES;
const SIZES = [0, 1, C - 1, C, C + 1, 40 * C + 123];

let cluster: SharedCluster | undefined;
/** A file `rm` removed (its chunks are GC's to collect). */
let removedInode: number | undefined;
const local = mkdtempSync(join(tmpdir(), 'flyer-fs-local-'));

test.before(async (t) => {
  t.timeout(120_000);
  cluster = await startSharedCluster(t, 'fs-cli');
});

test.after.always(async () => {
  await stopSharedCluster(cluster);
  rmSync(local, { recursive: true, force: true });
});

function ok(t: { is(a: unknown, b: unknown, m?: string): void }, run: FlyerRun, what: string): void {
  t.is(run.code, 0, `${what} failed:\n${run.stdout}${run.stderr}`);
}

test.serial('cp round trips are byte-identical at the chunk-size edges and over every chain', async (t) => {
  t.timeout(240_000);
  const fs = cluster!.fs;
  ok(t, await fs(['mkdir', '-p', '/rt']), 'mkdir');
  for (const size of SIZES) {
    const data = randomBytes(size);
    const src = join(local, `src-${size}`);
    const back = join(local, `back-${size}`);
    writeFileSync(src, data);
    const up = await fs(['cp', src, `flyer:/rt/f-${size}`]);
    ok(t, up, `cp ${size} bytes up`);
    t.regex(up.stdout, new RegExp(`copied ${size} bytes`));
    const down = await fs(['cp', `flyer:/rt/f-${size}`, back]);
    ok(t, down, `cp ${size} bytes down`);
    t.true(readFileSync(back).equals(data), `${size} bytes come back identical`);
    const stat = JSON.parse((await fs(['stat', '--json', `/rt/f-${size}`])).stdout) as { type: string; lengthBytes: number; layout: { chunkSizeBytes: number; stripeSize: number } };
    t.like(stat, { type: 'file', lengthBytes: size, layout: { chunkSizeBytes: C, stripeSize: 4 } });
  }
  // Flyer -> Flyer, and into a directory under the source's name; overwriting a longer file truncates it.
  ok(t, await fs(['mkdir', '/rt/copies']), 'mkdir copies');
  ok(t, await fs(['cp', `flyer:/rt/f-${40 * C + 123}`, 'flyer:/rt/copies/']), 'cp flyer -> flyer');
  ok(t, await fs(['cp', `flyer:/rt/copies/f-${40 * C + 123}`, join(local, 'copy-back')]), 'cp copy down');
  t.true(readFileSync(join(local, 'copy-back')).equals(readFileSync(join(local, `src-${40 * C + 123}`))));
  ok(t, await fs(['cp', join(local, `src-${C + 1}`), `flyer:/rt/copies/f-${40 * C + 123}`]), 'overwrite');
  ok(t, await fs(['cp', `flyer:/rt/copies/f-${40 * C + 123}`, join(local, 'overwritten')]), 'cp overwritten down');
  t.true(readFileSync(join(local, 'overwritten')).equals(readFileSync(join(local, `src-${C + 1}`))), 'overwriting truncates');
  // cat streams in order.
  writeFileSync(join(local, 'text'), 'hello flyer\n'.repeat(20_000));
  ok(t, await fs(['cp', join(local, 'text'), 'flyer:/rt/text']), 'cp text');
  const cat = await fs(['cat', '/rt/text']);
  ok(t, cat, 'cat');
  t.is(cat.stdout, 'hello flyer\n'.repeat(20_000));
});

test.serial('ls, stat, mv, rm and df', async (t) => {
  t.timeout(120_000);
  const fs = cluster!.fs;
  mkdirSync(join(local, 'tree'), { recursive: true });
  writeFileSync(join(local, 'tree', 'f'), randomBytes(3 * C + 7));
  ok(t, await fs(['mkdir', '-p', '/t/a/b', '/t/c']), 'mkdir -p');
  ok(t, await fs(['mkdir', '-p', '/t/a/b']), 'mkdir -p of an existing directory');
  ok(t, await fs(['cp', join(local, 'tree', 'f'), 'flyer:/t/a/']), 'cp into a directory');

  const ls = await fs(['ls', '/t/a']);
  ok(t, ls, 'ls');
  t.is(ls.stdout, 'b/\nf\n');
  const long = await fs(['ls', '-l', 'flyer:/t/a']);
  t.regex(long.stdout, /^drwxr-xr-x\s+1\s+\d+\s+\d+\s+0\s+\S+\s+b$/m);
  t.regex(long.stdout, new RegExp(`^-rw-r--r--\\s+1\\s+\\d+\\s+\\d+\\s+${3 * C + 7}\\s+\\S+\\s+f$`, 'm'));
  const json = JSON.parse((await fs(['ls', '--json', '/t/a'])).stdout) as Array<{ name: string; type: string; sizeBytes: number }>;
  t.deepEqual(json.map((r) => [r.name, r.type, r.sizeBytes]), [['b', 'directory', 0], ['f', 'file', 3 * C + 7]]);
  t.regex((await fs(['ls', '-l', '/t/a/f'])).stdout, /\bf$/m, 'ls of a file shows the file');

  const stat = await fs(['stat', '/t/a/f']);
  ok(t, stat, 'stat');
  t.regex(stat.stdout, new RegExp(`size:\\s+${3 * C + 7} bytes`));
  t.regex(stat.stdout, /chunks:\s+4/);
  t.regex(stat.stdout, /layout:\s+chain table 1 v\d+, 64 KiB chunks, stripe 4/);

  ok(t, await fs(['mv', '/t/a/f', '/t/g']), 'mv (rename)');
  ok(t, await fs(['mv', '/t/g', '/t/c']), 'mv into a directory');
  ok(t, await fs(['mv', '/t/a', '/t/renamed']), 'mv of a directory');
  t.is((await fs(['ls', '/t'])).stdout, 'c/\nrenamed/\n');
  t.is((await fs(['ls', '/t/c'])).stdout, 'g\n');
  ok(t, await fs(['cp', 'flyer:/t/c/g', join(local, 'tree', 'g')]), 'cp moved file down');
  t.true(readFileSync(join(local, 'tree', 'g')).equals(readFileSync(join(local, 'tree', 'f'))), 'data follows the rename');

  removedInode = (JSON.parse((await fs(['stat', '--json', '/t/c/g'])).stdout) as { id: number }).id;
  ok(t, await fs(['rm', '/t/c/g']), 'rm');
  t.is((await fs(['ls', '/t/c'])).stdout, '');
  ok(t, await fs(['rmdir', '/t/c']), 'rmdir');
  ok(t, await fs(['rm', '-r', '/t']), 'rm -r');
  t.notRegex((await fs(['ls', '/'])).stdout, /^t\/$/m);
  t.is((await fs(['stat', '/t'])).code, 1, 'gone');

  const df = await fs(['df', '--json']);
  ok(t, df, 'df');
  const space = JSON.parse(df.stdout) as { capacityBytes: number; usedBytes: number; freeBytes: number };
  t.true(space.capacityBytes > 0 && space.freeBytes > 0 && space.usedBytes + space.freeBytes <= space.capacityBytes, df.stdout);
  t.regex((await fs(['df', '-H'])).stdout, /^flyer\s+\S+ \w?i?B/m);
});

test.serial('bad input gives coded errors and a non-zero exit', async (t) => {
  t.timeout(120_000);
  const fs = cluster!.fs;
  ok(t, await fs(['mkdir', '-p', '/bad/dir/sub']), 'mkdir');
  writeFileSync(join(local, 'small'), 'x');
  ok(t, await fs(['cp', join(local, 'small'), 'flyer:/bad/file']), 'cp');
  const cases: Array<{ args: string[]; code: number; error: RegExp }> = [
    { args: ['stat', '/bad/missing'], code: 1, error: /FLYER_ERR_META_NOT_FOUND: .*\/bad\/missing/ },
    { args: ['ls', '/missing/deeper'], code: 1, error: /FLYER_ERR_META_NOT_FOUND/ },
    { args: ['cat', '/bad/missing'], code: 1, error: /FLYER_ERR_META_NOT_FOUND/ },
    { args: ['cp', 'flyer:/bad/missing', join(local, 'x')], code: 1, error: /FLYER_ERR_META_NOT_FOUND/ },
    { args: ['cp', join(local, 'small'), 'flyer:/no/such/dir/f'], code: 1, error: /FLYER_ERR_META_NOT_FOUND/ },
    { args: ['rmdir', '/bad/file'], code: 1, error: /FLYER_ERR_META_NOT_DIRECTORY/ },
    { args: ['rmdir', '/bad/dir'], code: 1, error: /FLYER_ERR_META_NOT_EMPTY/ },
    { args: ['rm', '/bad/dir'], code: 1, error: /FLYER_ERR_META_IS_DIRECTORY/ },
    { args: ['mkdir', '/bad/dir'], code: 1, error: /FLYER_ERR_META_EXISTS/ },
    { args: ['mkdir', '/bad/x/y'], code: 1, error: /FLYER_ERR_META_NOT_FOUND/ },
    { args: ['mv', '/bad', '/bad/dir/sub'], code: 1, error: /FLYER_ERR_META_RENAME_INTO_SELF/ },
    { args: ['cp', 'flyer:/bad/dir', join(local, 'x')], code: 1, error: /FLYER_ERR_META_IS_DIRECTORY/ },
    { args: ['cat', '/bad/dir'], code: 1, error: /FLYER_ERR_META_IS_DIRECTORY/ },
    { args: ['cp', local, 'flyer:/bad/'], code: 2, error: /FLYER_ERR_INVALID_ARGUMENT: .*is a directory/ },
    { args: ['cp', join(local, 'no-such-file'), 'flyer:/bad/'], code: 2, error: /FLYER_ERR_INVALID_ARGUMENT: .*no-such-file/ },
    { args: ['cp', join(local, 'small'), join(local, 'other')], code: 2, error: /FLYER_ERR_INVALID_ARGUMENT: .*flyer:/ },
    { args: ['cp', join(local, 'small')], code: 2, error: /FLYER_ERR_INVALID_ARGUMENT: .*missing cp destination/ },
    { args: ['stat'], code: 2, error: /FLYER_ERR_INVALID_ARGUMENT: .*missing stat path/ },
    { args: ['rm'], code: 2, error: /FLYER_ERR_INVALID_ARGUMENT: .*missing rm path/ },
    { args: ['cp', '--parallel', '0', join(local, 'small'), 'flyer:/bad/f2'], code: 2, error: /FLYER_ERR_INVALID_ARGUMENT: .*--parallel/ },
  ];
  // Four CLI processes at a time: the machine has two cores and the cluster runs on them too.
  for (let at = 0; at < cases.length; at += 4) {
    const batch = cases.slice(at, at + 4);
    const runs = await Promise.all(batch.map((c) => fs(c.args)));
    batch.forEach((c, i) => {
      t.is(runs[i]!.code, c.code, `flyer fs ${c.args.join(' ')}: ${runs[i]!.stderr}`);
      t.regex(runs[i]!.stderr, c.error, `flyer fs ${c.args.join(' ')}`);
    });
  }
  const noDir = await runFlyer(['fs', 'ls', '/']);
  t.is(noDir.code, 2);
  t.regex(noDir.stderr, /FLYER_ERR_INVALID_ARGUMENT: .*--dir/);
  // Nothing above changed the namespace.
  t.is((await fs(['ls', '/bad'])).stdout, 'dir/\nfile\n');
});

test.serial('cluster status shows the meta server; GC collects a removed file\'s chunks and keeps a live file\'s, spread over every chain', async (t) => {
  t.timeout(120_000);
  const dir = cluster!.dir;
  const status = await runFlyer(['cluster', 'status', '--dir', dir]);
  t.is(status.code, 0, status.stdout + status.stderr);
  t.regex(status.stdout, /^meta-1\s+meta\s+\S+\s+\d+\s+running$/m);
  t.regex(status.stdout, /^meta-1\s+META\s+HEARTBEAT_CONNECTED$/m);
  t.regex(status.stdout, /^meta-1\s+serving$/m);

  const live = (JSON.parse((await cluster!.fs(['stat', '--json', `/rt/f-${40 * C + 123}`])).stdout) as { id: number }).id;
  t.truthy(removedInode, 'the rm test ran');
  const manifest = readManifest(dir);
  const peers: Record<string, PeerAddress> = {};
  for (const node of manifest.nodes) peers[node.id] = { host: node.host, port: node.port };
  const env = createRealEnv({ nodeId: 'gc-check', peers, dataDir: join(local, 'gc-check'), logLevel: 'error' });
  await env.start();
  const mgmtd = MgmtdClient.start(env, { managers: ['mgmtd-1'], refreshIntervalNs: 0 });
  t.teardown(async () => {
    mgmtd.stop();
    await env.close();
  });
  await mgmtd.refresh();
  const routing = mgmtd.routing()!;
  /** Chunks of `inode` per chain (one replica's view: the first target of each chain). */
  const chunksByChain = async (inode: number): Promise<Map<number, number>> => {
    const perChain = new Map<number, number>();
    for (const chain of Object.values(routing.chains)) {
      const target = routing.targets[String(chain.targets[0]!.targetId)]!;
      const { metas } = await env.rpc.call(target.nodeId, storageGetAllChunkMetadata, { targetId: target.targetId }, { timeoutNs: 5e9 });
      const count = metas.filter((m) => chunkIdParts(m.chunkId).inodeId === inode).length;
      if (count > 0) perChain.set(chain.chainId, count);
    }
    return perChain;
  };
  // The local cluster's GC delay is 10 s; the earlier tests took longer than that, so this is quick.
  const deadlineMs = performance.now() + 60_000;
  let left = await chunksByChain(removedInode!);
  while (left.size > 0 && performance.now() < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    left = await chunksByChain(removedInode!);
  }
  t.deepEqual([...left], [], 'the removed file has no chunk left');
  const kept = await chunksByChain(live);
  t.is(kept.size, Object.keys(routing.chains).length, 'a 41-chunk file has chunks on every chain of its stripe');
  t.is([...kept.values()].reduce((a, b) => a + b, 0), 41);
});
