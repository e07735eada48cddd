import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { processesUsing } from '../cluster/helpers.ts';
import { zx } from './zx-run.ts';

// The README's main job, exactly as a user types it (plus --out so the test knows where the report is):
// GraySort on the embedded local cluster, with its default parameters.
test('the main job: `zx workloads/graysort.mjs` sorts on a local cluster it starts and stops, and valsort passes', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'flyer-main-job-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const run = await zx(['workloads/graysort.mjs', '--out', out], 600_000);
  t.is(run.code, 0, run.stderr.slice(-3000));
  const report = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { mode: string; summary: Record<string, unknown> };
  t.is(report.mode, 'local');
  t.is(report.summary.valid, 'yes');
  t.is(report.summary.validatedBy, 'valsort -s');
  t.is(report.summary.outputChecksum, report.summary.inputChecksum);
  for (const file of ['index.html', 'throughput.svg', 'throughput.png', 'per-client.svg', 'series.json', 'report.json']) t.true(existsSync(join(out, file)), file);
  t.regex(run.stderr, /partition: done/, 'progress is shown');
  t.regex(run.stdout, /"valid":"yes"/);
  const clusterDir = /starting the cluster in (\S+)/.exec(run.stderr)?.[1];
  t.truthy(clusterDir, 'the script says where its cluster lives');
  t.deepEqual(processesUsing(clusterDir!), [], 'the script stopped its cluster');
  t.false(existsSync(clusterDir!), 'and removed its directory');
});
