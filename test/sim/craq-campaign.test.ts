import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// Goal: the data plane's simulated fault campaign, as a user runs it. 200 seeds of the craq scenario
// (managers and storage nodes crashing and restarting, partitions, message loss, delay and duplication,
// disk errors; then a liveness phase) must end with `violations: 0`: every history linearizable per
// chunk, every target SERVING again, replicas identical. CI runs 200 seeds plus the seeds that once failed;
// `npm run sim:craq` runs 2,000.

const run = promisify(execFile);
const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const seeds = process.env['FLYER_CRAQ_SEEDS'] ?? '1-200';

/**
 * Seeds that once failed, replayed on every run whatever FLYER_CRAQ_SEEDS says. Their schedules shift as
 * the code changes; the storage tests (head-settlement, update-ledger) pin each root cause down.
 */
const REGRESSION_SEEDS = [
  504, 804, 933, 1118, // a retried write applied again after a newer one was acknowledged: exactly-once lost across a restart or resync
  509, // replicas compared while a client write was still in flight (a pending version on part of the chain)
];

async function campaign(seedList: string): Promise<string> {
  const { stdout } = await run(process.execPath, [join(root, 'bin', 'flyer.mjs'), 'sim', 'run', 'craq', '--seeds', seedList], {
    cwd: root, maxBuffer: 64 << 20,
  }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return stdout;
}

const failures = (stdout: string): string => stdout.split('\n').filter((l) => l.includes('violation') || l.includes('replay')).slice(0, 20).join('\n');

test(`craq campaign over seeds ${seeds} has no violations`, async (t) => {
  t.timeout(20 * 60_000);
  const stdout = await campaign(seeds);
  t.regex(stdout, /^violations: 0$/m, failures(stdout));
});

test('craq seeds that once failed have no violations', async (t) => {
  t.timeout(5 * 60_000);
  const stdout = await campaign(REGRESSION_SEEDS.join(','));
  t.regex(stdout, /^violations: 0$/m, failures(stdout));
});
