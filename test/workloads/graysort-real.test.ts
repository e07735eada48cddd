import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { clusterUp, runFlyer, tempClusterDir } from '../cluster/helpers.ts';

/**
 * 40 MB in 4 partitions from 2 client processes on the cluster in `dir`, report in `out`. With `tmp`, the
 * clients' temporary directory is that one, so the caller can check they leave nothing in it.
 */
function smallGraySort(dir: string, out: string, tmp?: string) {
  return runFlyer(['workload', 'run', 'graysort', '--cluster', dir, '--clients', '2', '--param', 'total_bytes=40000000',
    '--param', 'partitions=4', '--out', out], { timeoutMs: 300_000, ...(tmp ? { env: { ...process.env, TMPDIR: tmp } } : {}) });
}

/** Flyer's entries in a temporary directory (tsx, which runs our TypeScript, keeps its compile cache there too). */
/** A temporary directory for a test's reports and client TMPDIRs, removed when the test ends. */
function reportsDir(t: ExecutionContext, prefix: string): string {
  const reports = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(reports, { recursive: true, force: true }));
  return reports;
}

function flyerEntries(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => name.startsWith('flyer-'));
}

// One local cluster for the file: starting one takes seconds.
test.serial('GraySort on a local cluster sorts for real and passes valsort; a full scratch disk fails it loudly', async (t) => {
  const dir = tempClusterDir(t, 'graysort');
  const up = await clusterUp(dir);
  t.is(up.code, 0, up.stderr);
  const reports = reportsDir(t, 'flyer-graysort-report-');

  // The clients get a temporary directory of their own, to show they leave nothing behind in it.
  const goodTmp = join(reports, 'good-tmp');
  mkdirSync(goodTmp);
  const good = await smallGraySort(dir, join(reports, 'good'), goodTmp);
  t.is(good.code, 0, good.stderr);
  t.deepEqual(flyerEntries(goodTmp), [], 'the clients removed their scratch directories');
  const run = JSON.parse(readFileSync(join(reports, 'good', 'run.json'), 'utf8')) as { summary: Record<string, string | number> };
  t.is(run.summary.valid, 'yes');
  t.is(run.summary.records, 400_000);
  t.is(run.summary.validatedBy, 'valsort -s');
  t.is(run.summary.outputChecksum, run.summary.inputChecksum);
  const ls = await runFlyer(['fs', '--dir', dir, 'ls', '/graysort/output']);
  t.is(ls.code, 0, ls.stderr);
  t.regex(ls.stdout, /_SUCCESS/);
  t.regex(ls.stdout, /part-00003\.dat/);

  // The same sort with the clients' scratch space on a 4 MiB tmpfs: it must fail with a clear message,
  // and leave no _SUCCESS marker nor a report that claims a valid sort.
  const small = join(reports, 'small-tmp');
  mkdirSync(small);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small]);
  } catch (error) {
    t.log(`tmpfs mount not possible here (${(error as Error).message.split('\n')[0]}): the disk-full half is skipped`);
    return;
  }
  t.teardown(() => {
    try {
      execFileSync('umount', [small]);
    } catch {
      // Already gone.
    }
  });
  const full = await smallGraySort(dir, join(reports, 'full'), small);
  t.not(full.code, 0);
  t.regex(full.stderr, /No space left|DISK_FULL|SORT_|ENOSPC/i, full.stderr);
  t.false(existsSync(join(reports, 'full', 'run.json')), 'no report for a run that did not finish');
  t.deepEqual(flyerEntries(small), [], 'a failed run leaves no scratch behind');
  const lsAfter = await runFlyer(['fs', '--dir', dir, 'ls', '/graysort/output']);
  t.notRegex(lsAfter.stdout, /_SUCCESS/, 'the marker of the earlier run was removed and no new one written');
});

test.serial('a workload pointed at a missing or stopped cluster says so and writes no report', async (t) => {
  const reports = reportsDir(t, 'flyer-graysort-down-');
  const missing = await runFlyer(['workload', 'run', 'graysort', '--cluster', join(reports, 'nothing-here'), '--out', join(reports, 'r1')]);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /FLYER_ERR_CLUSTER_NOT_FOUND/);
  const dir = tempClusterDir(t, 'graysort-down');
  t.is((await clusterUp(dir)).code, 0);
  t.is((await runFlyer(['cluster', 'down', '--dir', dir])).code, 0);
  const stopped = await runFlyer(['workload', 'run', 'graysort', '--cluster', dir, '--clients', '1', '--param', 'total_bytes=1000000', '--out', join(reports, 'r2')],
    { timeoutMs: 120_000 });
  t.not(stopped.code, 0);
  t.regex(stopped.stderr, /is the cluster running\?/);
  t.false(existsSync(join(reports, 'r2', 'run.json')));
});

test.serial('storage filling up during the run fails it with a clear message and leaves no output passed off as complete', async (t) => {
  const dir = tempClusterDir(t, 'graysort-full');
  // Each target holds half the chunks (2 chains over 6 targets): the input and the pieces fit in 64 MiB
  // per target, the sorted output on top of them does not (measured: partition done, sort refused).
  const up = await clusterUp(dir, ['--target-capacity', '64MiB']);
  t.is(up.code, 0, up.stderr);
  const reports = reportsDir(t, 'flyer-graysort-nospace-');
  // The clients get a temporary directory of their own: when one fails, the other is killed mid-step,
  // and neither may leave scratch behind.
  const runTmp = join(reports, 'tmp');
  mkdirSync(runTmp);
  const run = await smallGraySort(dir, join(reports, 'r'), runTmp);
  t.not(run.code, 0);
  t.deepEqual(flyerEntries(runTmp), [], 'a failed run leaves no scratch behind');
  t.regex(run.stderr, /partition: done/, 'the input and the pieces fitted: it is the sort phase that fills the targets');
  t.notRegex(run.stderr, /sort: done/);
  t.regex(run.stderr, /CHUNK_NO_SPACE|no space/i, run.stderr.slice(-2000));
  t.false(existsSync(join(reports, 'r', 'run.json')), 'no report for a run that did not finish');
  const ls = await runFlyer(['fs', '--dir', dir, 'ls', '/graysort/output']);
  t.notRegex(ls.stdout, /_SUCCESS/, 'no success marker');
});
