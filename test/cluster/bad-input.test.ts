/**
 * Bad input gets a clear, coded message and a non-zero exit, never a stack trace or a hang: malformed
 * node configs exit 2 naming the field; admin against a manager that is not there names the managers it
 * tried; `cluster down` / `status` on a directory without a cluster say so.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parseNodeConfig } from '../../system/cli/node-config.ts';
import { freePorts } from '../../system/cli/cluster/free-ports.ts';
import { runFlyer, tempClusterDir } from './helpers.ts';

const NODE = '[node]\nid = "storage-1"\nlisten = "127.0.0.1:0"\ndata_dir = "data"\n';
const CLUSTER = '[cluster]\nmgmtd = ["mgmtd-1=127.0.0.1:9001"]\n';
const TARGET = '[[storage.targets]]\nid = 101\npath = "targets/101"\n';

const BAD_CONFIGS: Array<{ name: string; role: 'mgmtd' | 'storage'; text: string; message: RegExp }> = [
  { name: 'missing field', role: 'mgmtd', text: '[node]\nid = "mgmtd-1"\nlisten = "127.0.0.1:0"\n', message: /node\.data_dir must be a non-empty string/ },
  { name: 'bad port', role: 'storage', text: NODE.replace(':0', ':70000') + CLUSTER + TARGET, message: /node\.listen must be host:port with a port in 0\.\.65535, got '127\.0\.0\.1:70000'/ },
  { name: 'not TOML', role: 'mgmtd', text: '[node\nid = mgmtd-1\n', message: /config is not valid TOML \(line 1/ },
  { name: 'misspelt option', role: 'storage', text: NODE + CLUSTER + '[storage]\nheartbeat_interval = 500\n' + TARGET, message: /unknown key storage\.heartbeat_interval/ },
  { name: 'storage without targets', role: 'storage', text: NODE + CLUSTER, message: /needs at least one \[\[storage\.targets\]\]/ },
];

for (const bad of BAD_CONFIGS) {
  test(`flyer ${bad.role} with a bad config (${bad.name}) exits 2 naming the problem`, async (t) => {
    const dir = tempClusterDir(t, 'badcfg');
    const path = join(dir, 'node.toml');
    writeFileSync(path, bad.text);
    const run = await runFlyer([bad.role, '--config', path], { timeoutMs: 20_000 });
    t.is(run.code, 2, run.stderr);
    t.regex(run.stderr, /^FLYER_ERR_INVALID_ARGUMENT: /);
    t.regex(run.stderr, bad.message);
    t.true(run.stderr.includes(path), 'the message names the file');
    t.notRegex(run.stderr, /\n\s+at /, 'no stack trace');
    t.is(run.stdout, '', 'never ready');
  });
}

test('parseNodeConfig reads service tables in milliseconds and names bad values', (t) => {
  const config = parseNodeConfig(`${NODE}${CLUSTER}[mgmtd]\nheartbeat_fail_ms = 3000\n[storage]\nheartbeat_interval_ms = 500\n` +
    `[storage.forward]\nbackoff_ms = 50\n[storage.engine]\nio_threads = 4\ndirect_io = false\nmapped_reads = false\n${TARGET}`, '/base');
  t.is(config.mgmtdOptions.heartbeatFailNs, 3e9);
  t.is(config.storage.heartbeatIntervalNs, 5e8);
  t.deepEqual(config.storage.forward, { backoffNs: 5e7 });
  t.deepEqual(config.engine, { ioThreads: 4, directIo: false, mappedReads: false });
  t.deepEqual(config.targets, [{ targetId: 101, path: '/base/data/targets/101' }]);
  t.throws(() => parseNodeConfig(`${NODE}[mgmtd]\nheartbeat_fail_ms = -1\n`, '/'), { message: /mgmtd\.heartbeat_fail_ms must be an integer in 1\.\./ });
  t.throws(() => parseNodeConfig(`${NODE}[storage.forward]\nbackoff_ms = "fast"\n`, '/'), { message: /storage\.forward\.backoff_ms must be an integer/ });
  t.throws(() => parseNodeConfig(`${NODE}[cluster]\nmgmtd = ["nope"]\n`, '/'), { message: /cluster\.mgmtd\[0\] must be "id=host:port"/ });
  t.throws(() => parseNodeConfig(`${NODE}${TARGET}${TARGET}`, '/'), { message: /target id 101 appears twice/ });
  t.throws(() => parseNodeConfig(`${NODE}[extra]\na = 1\n`, '/'), { message: /unknown key extra/ });
  t.throws(() => parseNodeConfig(`${NODE}[storage.engine]\nmapped_reads = "yes"\n`, '/'), { message: /storage\.engine\.mapped_reads must be/ });
});

test('admin against an unreachable manager fails with a coded error naming the manager', async (t) => {
  const [port] = await freePorts(1);
  const run = await runFlyer(['admin', '--mgmtd', `mgmtd-1=127.0.0.1:${port}`, 'list-nodes'], { timeoutMs: 20_000 });
  t.is(run.code, 1);
  t.regex(run.stderr, new RegExp(`^FLYER_ERR_RPC_UNREACHABLE: .*no manager answered \\(tried mgmtd-1=127\\.0\\.0\\.1:${port}\\)`));
  t.is(run.stdout, '');
  const noManager = await runFlyer(['admin', 'list-targets'], { timeoutMs: 20_000 });
  t.is(noManager.code, 2);
  t.regex(noManager.stderr, /FLYER_ERR_INVALID_ARGUMENT: .*pass --mgmtd/);
});

test('cluster down and status on a directory without a cluster say so', async (t) => {
  const dir = tempClusterDir(t, 'nocluster');
  const [down, status] = await Promise.all([runFlyer(['cluster', 'down', '--dir', dir]), runFlyer(['cluster', 'status', '--dir', dir])]);
  t.is(down.code, 1);
  t.regex(down.stderr, /^FLYER_ERR_CLUSTER_NOT_FOUND: .*holds no cluster .*nothing to stop/);
  t.is(status.code, 1);
  t.regex(status.stderr, /^FLYER_ERR_CLUSTER_NOT_FOUND: .*flyer cluster up --local --dir/);
});
