/**
 * One local cluster shared by the tests of a file (startup takes ~15 s on this machine): started in
 * test.before, torn down in test.after.always, and SIGKILLed on process exit whatever happens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { clusterUp, killClusterSync, runFlyer, type FlyerRun } from '../cluster/helpers.ts';

export const CHUNK_SIZE_BYTES = 64 << 10;

export interface SharedCluster {
  readonly dir: string;
  /** `flyer fs --dir <dir> ...args` */
  fs(args: readonly string[]): Promise<FlyerRun>;
}

/**
 * 3 storage nodes x 4 targets, chains of 3 (4 chains: a file's stripe spans all of them), 64 KiB chunks,
 * one meta server.
 */
export async function startSharedCluster(t: ExecutionContext, prefix: string, extra: readonly string[] = []): Promise<SharedCluster> {
  const dir = mkdtempSync(join(tmpdir(), `flyer-${prefix}-`));
  process.once('exit', () => void killClusterSync(dir));
  const up = await clusterUp(dir, ['--targets-per-node', '4', '--chunk-size', String(CHUNK_SIZE_BYTES), ...extra]);
  if (up.code !== 0) {
    killClusterSync(dir);
    t.fail(`cluster up failed:\n${up.stderr}`);
  }
  return { dir, fs: (args) => runFlyer(['fs', '--dir', dir, ...args], { timeoutMs: 60_000 }) };
}

export async function stopSharedCluster(cluster: SharedCluster | undefined): Promise<void> {
  if (!cluster) return;
  await runFlyer(['cluster', 'down', '--dir', cluster.dir]);
  killClusterSync(cluster.dir);
  rmSync(cluster.dir, { recursive: true, force: true });
}
