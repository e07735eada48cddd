/**
 * A local cluster's life through the CLI, as a person would run it: `cluster up` starts 1 manager,
 * 3 storage processes and 1 meta server and returns once every target is SERVING and meta answers;
 * `cluster status` and `admin` show it; a second `up` says it is already running; `cluster down`
 * leaves no process behind.
 */
import test from 'ava';
import { isOurProcess } from '../../system/cli/cluster/process-check.ts';
import { clusterPids, clusterUp, processesUsing, runFlyer, tempClusterDir } from './helpers.ts';

test('cluster up -> status shows every target SERVING -> down leaves no process running', async (t) => {
  t.timeout(90_000);
  const dir = tempClusterDir(t, 'lifecycle');

  const up = await clusterUp(dir);
  t.is(up.code, 0, `cluster up failed:\n${up.stderr}`);
  t.regex(up.stderr, /all 6 targets SERVING/);
  t.regex(up.stdout, /flyer cluster down --dir/);
  const pids = clusterPids(dir);
  t.is(pids.length, 5, 'one pid file per process');
  t.true(pids.every((pid) => isOurProcess(pid, dir)));
  t.log(`cluster up: ${(up.ms / 1000).toFixed(1)} s`);

  const [status, statusJson, targets, again] = await Promise.all([
    runFlyer(['cluster', 'status', '--dir', dir]),
    runFlyer(['cluster', 'status', '--dir', dir, '--json']),
    runFlyer(['admin', '--dir', dir, 'list-targets', '--json']),
    clusterUp(dir),
  ]);
  t.is(status.code, 0, status.stdout + status.stderr);
  t.regex(status.stdout, /TARGET\s+NODE\s+CHAIN\s+STATE/);
  t.is(status.stdout.match(/\bSERVING\s+UPTODATE\b/g)?.length, 6, status.stdout);
  const parsed = JSON.parse(statusJson.stdout) as { allServing: boolean; processes: Array<{ running: boolean }> };
  t.true(parsed.allServing);
  t.true(parsed.processes.every((p) => p.running));
  const rows = JSON.parse(targets.stdout) as Array<{ publicState: string; nodeId: string }>;
  t.deepEqual([...new Set(rows.map((r) => r.publicState))], ['SERVING']);
  t.deepEqual([...new Set(rows.map((r) => r.nodeId))].sort(), ['storage-1', 'storage-2', 'storage-3']);
  t.is(again.code, 0);
  t.regex(again.stdout, /already running/);
  t.deepEqual(clusterPids(dir).sort(), [...pids].sort(), 'the second up started nothing');

  const down = await runFlyer(['cluster', 'down', '--dir', dir]);
  t.is(down.code, 0, down.stderr);
  t.regex(down.stdout, /stopped 5 processes \(0 needed SIGKILL\)/);
  t.deepEqual(clusterPids(dir), [], 'pid files removed');
  t.deepEqual(processesUsing(dir), [], 'no process of the cluster is left');

  const after = await runFlyer(['cluster', 'status', '--dir', dir]);
  t.is(after.code, 1, 'status fails while the cluster is down');
  t.regex(after.stdout, /stopped/);
});
