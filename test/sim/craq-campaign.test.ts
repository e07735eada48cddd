import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// Goal: the data plane's simulated fault campaign, as a user runs it. 200 seeds of the craq scenario
// (managers and storage nodes crashing and restarting, partitions, message loss, delay and duplication,
// disk errors; then a liveness phase) must end with `violations: 0`: every history linearizable per
// chunk, every target SERVING again, replicas identical. CI runs 200 seeds; `npm run sim:craq` runs 2,000.

const run = promisify(execFile);
const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const seeds = process.env['FLYER_CRAQ_SEEDS'] ?? '1-200';

test(`craq campaign over seeds ${seeds} has no violations`, async (t) => {
  t.timeout(20 * 60_000);
  const { stdout } = await run(process.execPath, [join(root, 'bin', 'flyer.mjs'), 'sim', 'run', 'craq', '--seeds', seeds], {
    cwd: root, maxBuffer: 64 << 20,
  }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  t.regex(stdout, /^violations: 0$/m, stdout.split('\n').filter((l) => l.includes('violation') || l.includes('replay')).slice(0, 20).join('\n'));
});
