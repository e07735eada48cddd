import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runFlyer } from '../cluster/helpers.ts';
import { zx } from './zx-run.ts';

const root = join(import.meta.dirname, '..', '..');
const NETNS = join(root, 'scripts', 'netns-hosts.sh');
const HOSTS = 3;

/** Network namespaces stand in for hosts; they need root (CI runs as root). */
function netnsAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('ip', ['netns', 'list']);
    return undefined;
  } catch (error) {
    return `ip netns unusable: ${(error as Error).message.split('\n')[0]}`;
  }
}

test.serial('hosts mode: the GraySort script starts the services in network namespaces over their exec prefix, sorts and validates', async (t) => {
  const missing = netnsAvailable();
  if (missing) {
    t.log(`skipped: ${missing}`);
    t.pass();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'flyer-hosts-'));
  const hostsFile = join(dir, 'hosts.toml');
  execFileSync('bash', [NETNS, 'up', String(HOSTS), hostsFile]);
  t.teardown(() => {
    execFileSync('bash', [NETNS, 'down', String(HOSTS)]);
    rmSync(dir, { recursive: true, force: true });
  });
  const out = join(dir, 'report');
  const run = await zx(['workloads/graysort.mjs', '--hosts', hostsFile, '--param', 'total_bytes=20000000', '--param', 'partitions=4', '--out', out]);
  t.is(run.code, 0, run.stderr.slice(-3000));
  const summary = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { mode: string; summary: Record<string, unknown> };
  t.is(summary.mode, 'hosts');
  t.is(summary.summary.valid, 'yes');
  t.regex(run.stderr, /mgmtd-1 ready/);
  t.regex(run.stderr, /10\.77\.0\.2:9300/, 'the manager listens on its host\'s address');
});

test.serial('hosts mode: an unreachable host and a bad hosts file give clear errors and leave nothing running', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flyer-badhosts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.toml');
  writeFileSync(bad, '[[host]]\nname = "h1"\naddress = "10.77.9.9"\nexec = ["ip", "netns", "exec", "flyer-no-such-ns"]\nroles = ["mgmtd", "meta", "storage", "gpu"]\n');
  const unknownRole = await runFlyer(['cluster', 'up', '--hosts', bad, '--dir', join(dir, 'c1')]);
  t.is(unknownRole.code, 2);
  t.regex(unknownRole.stderr, /unknown role 'gpu'/);
  writeFileSync(bad, '[[host]]\nname = "h1"\naddress = "10.77.9.9"\nexec = ["ip", "netns", "exec", "flyer-no-such-ns"]\nroles = ["mgmtd", "meta", "storage"]\n');
  const unreachable = await runFlyer(['cluster', 'up', '--hosts', bad, '--dir', join(dir, 'c2'), '--replication', '1', '--targets-per-node', '1', '--timeout-ms', '5000']);
  t.is(unreachable.code, 1, unreachable.stderr);
  t.regex(unreachable.stderr, /FLYER_ERR_CLUSTER_NODE_START_FAILED: .*mgmtd-1/);
  const status = await runFlyer(['cluster', 'status', '--dir', join(dir, 'c2')]);
  t.not(status.code, 0, 'nothing of the failed cluster runs');
});
