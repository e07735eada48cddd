/** Shared helpers for the GraySort tool tests: temp dirs, hashing, running the binaries (and checking their failures) and the CLI. */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { sortToolPath, type SortTool } from '../../system/graysort/native-tools.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RECORD_BYTES = 100;

/** A fresh temp directory for one test, removed when the test ends (pass or fail). */
export function testDir(t: ExecutionContext, prefix: string): string {
  const path = mkdtempSync(join(tmpdir(), `flyer-${prefix}-`));
  t.teardown(() => rmSync(path, { recursive: true, force: true }));
  return path;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export interface Captured {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a native tool synchronously (small inputs only), capturing everything. */
export function tool(name: SortTool, args: string[]): Captured {
  const r = spawnSync(sortToolPath(name), args, { maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/**
 * Runs a native tool once per case and checks that each run exits with `exitCode` and says the case's
 * message on stderr; returns the runs for checks a caller adds.
 */
export function expectToolFailures(t: ExecutionContext, name: SortTool, exitCode: number, cases: ReadonlyArray<readonly [string[], RegExp]>): Captured[] {
  return cases.map(([args, message]) => {
    const run = tool(name, args);
    const label = `${name} ${args.join(' ')}`;
    t.is(run.code, exitCode, label);
    t.regex(run.stderr, message, label);
    return run;
  });
}

/** Runs a tool that writes to /dev/stdout and hashes the stream: no file, however large the output. */
export function toolSha256(name: SortTool, args: string[]): Promise<{ code: number | null; sha256: string; bytes: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(sortToolPath(name), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const hash = createHash('sha256');
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      hash.update(b);
      bytes += b.length;
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, sha256: hash.digest('hex'), bytes, stderr }));
  });
}

/** The `flyer` command itself (through tsx, as a user runs it). */
export function flyer(args: string[], env: NodeJS.ProcessEnv = {}): Captured {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'flyer.mjs'), ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** Records of a buffer as 100-byte views. */
export function records(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; at += RECORD_BYTES) out.push(buf.subarray(at, at + RECORD_BYTES));
  return out;
}

/** Reference stable sort by the 10-byte key (Array.prototype.sort is stable). */
export function referenceSort(buf: Buffer): Buffer {
  const recs = records(buf);
  recs.sort((a, b) => Buffer.compare(a.subarray(0, 10), b.subarray(0, 10)));
  return Buffer.concat(recs);
}
