import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// Goal: the simulator's replay contract, through the real CLI. A seed prints itself and a fingerprint
// of its event trace; the same seed always gives the same fingerprint, another seed a different one;
// --check-determinism runs each of 100 seeds twice and passes only if every pair matches.

const run = promisify(execFile);
const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const flyer = join(root, 'bin', 'flyer.mjs');

async function flyerSim(...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run(process.execPath, [flyer, 'sim', 'run', ...args], { cwd: root, maxBuffer: 16 << 20 });
    return { stdout, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; code: number };
    return { stdout: e.stdout, code: e.code };
  }
}

function fingerprintOf(stdout: string): string {
  const match = /^fingerprint: ([0-9a-f]{16})$/m.exec(stdout);
  if (!match) throw new Error(`no fingerprint line in:\n${stdout}`);
  return match[1]!;
}

test('a seed prints itself and a stable fingerprint; another seed differs', async (t) => {
  const first = await flyerSim('smoke', '--seed', '7');
  const second = await flyerSim('smoke', '--seed', '7');
  const other = await flyerSim('smoke', '--seed', '8');
  t.is(first.code, 0);
  t.regex(first.stdout, /^seed: 7$/m);
  t.regex(first.stdout, /^violations: 0$/m);
  t.is(fingerprintOf(first.stdout), fingerprintOf(second.stdout));
  t.not(fingerprintOf(first.stdout), fingerprintOf(other.stdout));
});

test('--check-determinism passes for 100 seeds', async (t) => {
  const result = await flyerSim('smoke', '--seeds', '1-100', '--check-determinism');
  t.is(result.code, 0, result.stdout);
  t.regex(result.stdout, /^determinism: 100\/100 seeds replayed identically$/m);
  t.regex(result.stdout, /^violations: 0$/m);
});

test('an unknown scenario is a clear error with exit code 2', async (t) => {
  const result = await flyerSim('no-such-scenario');
  t.is(result.code, 2);
});
