/**
 * Shared pieces of the real-cluster tests: running the `flyer` CLI (or any command) as a child process,
 * temp cluster directories, and cleanup that cannot be skipped. Every cluster a test starts is started
 * with `--exit-with-pid <this process>`, killed from its pid files in t.teardown, and killed again on
 * process exit: no test may leave a process behind, even when it fails or times out.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { isOurProcess } from '../../system/cli/cluster/process-check.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const FLYER = join(root, 'bin', 'flyer.mjs');

/** What a finished child process left: exit code (null when a signal ended it), its output, how long it ran. */
export interface FlyerRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions {
  /** SIGKILLed after this long (default 90 s), so a hung child cannot hang the test run. */
  readonly timeoutMs?: number;
  /** The child's whole environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Runs `command ...args` to completion, collecting stdout and stderr. */
export function runToCompletion(command: string, args: readonly string[], options: RunOptions = {}): Promise<FlyerRun> {
  const startedMs = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env !== undefined ? { env: options.env } : {}),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - startedMs });
    });
  });
}

/** Runs `flyer ...args` to completion (killed after `timeoutMs`). */
export function runFlyer(args: readonly string[], options: RunOptions = {}): Promise<FlyerRun> {
  return runToCompletion(process.execPath, [FLYER, ...args], options);
}

/** A fresh temp directory, removed (with any cluster in it killed first) in teardown. */
export function tempClusterDir(t: ExecutionContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `flyer-${prefix}-`));
  const cleanup = (): void => void killClusterSync(dir);
  process.once('exit', cleanup);
  t.teardown(() => {
    killClusterSync(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** SIGKILLs every process of the cluster in `dir` that its pid files name; returns how many it killed. */
export function killClusterSync(dir: string): number {
  let killed = 0;
  for (const pid of clusterPids(dir)) {
    if (!isOurProcess(pid, dir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // Gone already.
    }
  }
  return killed;
}

export function clusterPids(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, 'run'));
  } catch {
    return [];
  }
  return names.filter((name) => name.endsWith('.pid')).map((name) => Number(readFileSync(join(dir, 'run', name), 'utf8').trim())).filter((pid) => pid > 0);
}

/** Pids of live processes whose command line mentions `dir` (scans /proc; Linux). */
export function processesUsing(dir: string): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => pid !== process.pid && isOurProcess(pid, dir));
}

/** `flyer cluster up` for a test: tied to this process, small, and its output kept for failure messages. */
export async function clusterUp(dir: string, extra: readonly string[] = []): Promise<FlyerRun> {
  return runFlyer(['cluster', 'up', '--local', '--dir', dir, '--exit-with-pid', String(process.pid), ...extra], { timeoutMs: 60_000 });
}
