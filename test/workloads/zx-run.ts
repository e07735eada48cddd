import { join } from 'node:path';
import { runToCompletion, type FlyerRun } from '../cluster/helpers.ts';

const root = join(import.meta.dirname, '..', '..');

/** Runs a zx script of the repository (as `npx zx SCRIPT ...` would) and collects its output. */
export function zx(args: readonly string[], timeoutMs = 300_000): Promise<FlyerRun> {
  return runToCompletion(process.execPath, [join(root, 'node_modules', 'zx', 'build', 'cli.js'), ...args], { cwd: root, timeoutMs });
}
