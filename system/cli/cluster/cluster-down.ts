import { resolve } from 'node:path';
import { FlyerError } from '../../env/errors.ts';
import type { Progress } from '../progress.ts';
import { hasManifest, readManifest, type ClusterNode } from './cluster-manifest.ts';
import type { StopOutcome } from './launcher.ts';
import { LocalLauncher } from './local-launcher.ts';

export interface ClusterDownResult {
  readonly outcomes: ReadonlyArray<{ readonly node: string; readonly outcome: StopOutcome; readonly ms: number }>;
}

/**
 * `flyer cluster down`: SIGTERM to every process (meta servers first, as they call storage; then storage
 * nodes, so their last heartbeats still reach the manager; then the manager, and the kv server the meta
 * servers kept their namespace on), SIGKILL to any still alive after `timeoutMs`; pid files are removed. Data stays:
 * `cluster up` on the same directory restarts the cluster with it.
 */
export async function clusterDown(options: { readonly dir: string; readonly timeoutMs: number; readonly progress: Progress }): Promise<ClusterDownResult> {
  const dir = resolve(options.dir);
  if (!hasManifest(dir)) throw new FlyerError('CLUSTER_NOT_FOUND', `${dir} holds no cluster (no cluster.json): nothing to stop`);
  const manifest = readManifest(dir);
  const launcher = new LocalLauncher({ dir });
  const outcomes: Array<{ node: string; outcome: StopOutcome; ms: number }> = [];
  const stop = async (node: ClusterNode): Promise<void> => {
    const startedMs = performance.now();
    const outcome = await launcher.stop(node, { timeoutMs: options.timeoutMs });
    const ms = performance.now() - startedMs;
    outcomes.push({ node: node.id, outcome, ms });
    const how = outcome === 'stopped' ? `stopped in ${(ms / 1000).toFixed(1)} s`
      : outcome === 'killed' ? `killed (no exit ${options.timeoutMs} ms after SIGTERM)` : 'was not running';
    options.progress.line(`${node.id}: ${how}`);
  };
  for (const role of ['meta', 'storage', 'mgmtd', 'kv'] as const) await Promise.all(manifest.nodes.filter((n) => n.role === role).map(stop));
  return { outcomes };
}
