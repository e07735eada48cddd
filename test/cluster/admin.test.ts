/**
 * `flyer admin` against a bare manager process (no storage nodes): a generated plan is uploaded step by
 * step, listed, changed with offline / update-chain / remove, and survives a manager restart (the
 * durable KV); the manager exits 0 on SIGTERM; refused changes come back as coded errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import test from 'ava';
import { freePorts } from '../../system/cli/cluster/free-ports.ts';
import { FLYER, runFlyer, tempClusterDir } from './helpers.ts';

/** Starts `flyer mgmtd` as a child of the test and resolves once it prints its ready line. */
async function startManager(config: string, stderr: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FLYER, 'mgmtd', '--config', config, '--exit-with-pid', String(process.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if ((JSON.parse(line) as { ready?: boolean }).ready) resolve();
    });
    child.once('exit', (code) => reject(new Error(`mgmtd exited with ${code}: ${stderr.join('')}`)));
  });
  return child;
}

test('admin uploads, lists and changes chains on a manager whose state survives a restart', async (t) => {
  t.timeout(90_000);
  const dir = tempClusterDir(t, 'admin');
  const [port] = await freePorts(1);
  const config = join(dir, 'mgmtd.toml');
  // No storage nodes will heartbeat: no bootstrapping wait, so the state machine acts at once.
  writeFileSync(config, `[node]\nid = "mgmtd-1"\nlisten = "127.0.0.1:${port}"\ndata_dir = "data"\n` +
    '[mgmtd]\nbootstrapping_ms = 0\nnew_chain_bootstrap_ms = 0\nupdate_chains_interval_ms = 100\n');
  const stderr: string[] = [];
  let manager = await startManager(config, stderr);
  t.teardown(() => void manager.kill('SIGKILL'));
  const admin = (...args: string[]): ReturnType<typeof runFlyer> => runFlyer(['admin', '--mgmtd', `mgmtd-1=127.0.0.1:${port}`, ...args]);
  const plan = join(dir, 'plan.json');

  const gen = await runFlyer(['admin', 'gen-chain-table', '--nodes', 's1,s2,s3,s4', '--targets-per-node', '3', '--replication', '3', '--out', plan]);
  t.is(gen.code, 0, gen.stderr);
  t.regex(gen.stdout, /12 targets, 4 chains\nbalance: each pair of nodes shares 2\.\.2 chains \(ideal 2\.00\)/);

  const created = await admin('create-targets', '--file', plan);
  t.is(created.code, 0, created.stderr);
  t.regex(created.stdout, /created 12 targets/);
  const [chainsUp, extra] = await Promise.all([admin('upload-chains', '--file', plan), admin('create-targets', '--node', 's5', '--target-ids', '501,502')]);
  t.regex(chainsUp.stdout, /uploaded 4 chains/);
  t.regex(extra.stdout, /created 2 targets/);
  const table = await admin('upload-chain-table', '--file', plan, '--table-only');
  t.regex(table.stdout, /chain table 1 is at version 1: 4 chains over 12 targets/);

  const [chains, targets, nodes] = await Promise.all([admin('list-chains', '--json'), admin('list-targets'), admin('list-nodes')]);
  const listed = JSON.parse(chains.stdout) as { chains: Array<{ chainId: number; targets: Array<{ targetId: number }> }>; chainTables: Record<string, unknown> };
  t.deepEqual(listed.chains.map((c) => c.chainId), [100001, 100002, 100003, 100004]);
  t.deepEqual(Object.keys(listed.chainTables), ['1']);
  t.regex(targets.stdout, /^routing version \d+, primary mgmtd-1\nTARGET\s+NODE\s+DISK\s+CHAIN\s+PUBLIC\s+LOCAL/);
  t.regex(targets.stdout, /\n\s*501\s+s5\s+0\s+-\s+OFFLINE/);
  t.regex(nodes.stdout, /no nodes registered yet/);

  // Changes the manager refuses come back coded; allowed ones go through.
  const head = listed.chains[0]!.targets[0]!.targetId;
  const [refused, unknown, add, badOp] = await Promise.all([
    admin('remove-target', String(head)), admin('offline-target', '999'), admin('update-chain', '100001', 'add', '501'),
    admin('update-chain', '100001', 'swap', '501'),
  ]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^FLYER_ERR_MGMTD_CHAIN_INVALID: .*remove it from the chain first/);
  t.regex(unknown.stderr, /^FLYER_ERR_MGMTD_TARGET_UNKNOWN: /);
  t.is(add.code, 0, add.stderr);
  t.is(badOp.code, 2);
  t.regex(badOp.stderr, /the operation is add or remove/);

  // SIGTERM: a clean exit. Restarted on the same data directory, the manager still knows everything.
  manager.kill('SIGTERM');
  const [code] = (await once(manager, 'exit')) as [number | null];
  t.is(code, 0);
  t.regex(stderr.join(''), /"msg":"mgmtd stopping","reason":"SIGTERM"/);
  manager = await startManager(config, stderr);
  const after = await admin('list-chains', '--json');
  const restored = JSON.parse(after.stdout) as typeof listed;
  t.deepEqual(restored.chains.map((c) => c.chainId), [100001, 100002, 100003, 100004]);
  t.true(restored.chains[0]!.targets.some((target) => target.targetId === 501), 'the added target is still in chain 100001');
});
