import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { FlyerRun } from '../cluster/helpers.ts';

const root = join(import.meta.dirname, '..', '..');

/** Runs a zx script of the repository (as `npx zx SCRIPT ...` would) and collects its output. */
export function zx(args: readonly string[], timeoutMs = 300_000): Promise<FlyerRun> {
  const startedMs = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'zx', 'build', 'cli.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - startedMs });
    });
  });
}
