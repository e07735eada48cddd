/**
 * Finds and runs the native GraySort binaries (system/native/sort-tools, built by
 * scripts/build-native.mjs): flyer-gensort, flyer-valsort, flyer-sort. They are separate processes, not
 * a koffi library, because generating, validating and sorting gigabytes is one long call each and a
 * process gives them every core without blocking Node's event loop.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlyerError } from '../env/errors.ts';

export type SortTool = 'flyer-gensort' | 'flyer-valsort' | 'flyer-sort';

export const sortToolsCrateDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'sort-tools');

/** Where the binaries are: FLYER_SORT_TOOLS_DIR, else the crate's release build. */
export function sortToolsDir(): string {
  return process.env.FLYER_SORT_TOOLS_DIR ?? join(sortToolsCrateDir, 'target', 'release');
}

/** The path of one tool; a coded error naming the build command when it has not been built. */
export function sortToolPath(tool: SortTool): string {
  const path = join(sortToolsDir(), tool);
  if (!existsSync(path)) {
    throw new FlyerError('SORT_TOOLS_UNAVAILABLE', `${path} does not exist; build it with \`npm run build:native\` ` +
      `(cargo build --release --offline in ${sortToolsCrateDir})`);
  }
  return path;
}

export interface ToolRun {
  /** Exit code; 128 + signal number when a signal ended it, as a shell reports it. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15, SIGABRT: 6 };

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? SIGNALS[signal] ?? 0 : 0);
}

/** Runs a tool to completion, capturing its output (never rejects on a nonzero exit; callers decide). */
export function runTool(tool: SortTool, args: readonly string[]): Promise<ToolRun> {
  const path = sortToolPath(tool);
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new FlyerError('SORT_TOOL_FAILED', `${tool} did not start: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => resolve({
      code: exitCode(code, signal),
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    }));
  });
}

/** Runs a tool on the caller's stdin/stdout/stderr (the CLI pass-through) and returns its exit code. */
export function runToolInherited(tool: SortTool, args: readonly string[]): Promise<number> {
  const path = sortToolPath(tool);
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: 'inherit' });
    child.on('error', (e) => reject(new FlyerError('SORT_TOOL_FAILED', `${tool} did not start: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => resolve(exitCode(code, signal)));
  });
}

/** The tool's own error line (`flyer-sort: ...`), for error details; the usage text after it is dropped. */
export function toolMessage(run: ToolRun): string {
  const line = run.stderr.split('\n').find((l) => l.trim() !== '');
  return line ?? `exit code ${run.code}`;
}

/** A nonzero exit as a coded error: bad record files get their own code, the rest SORT_TOOL_FAILED. */
export function toolFailure(tool: SortTool, run: ToolRun): FlyerError {
  const message = `${tool} exited with ${run.code}: ${toolMessage(run)}`;
  return /not a multiple of the 100-byte record size|holds no records/.test(run.stderr)
    ? new FlyerError('SORT_INVALID_INPUT', message)
    : new FlyerError('SORT_TOOL_FAILED', message);
}
