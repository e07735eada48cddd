import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { ChainTablePlan } from '../../services/mgmtd/chain-table-generator.ts';
import { balanceText, readPlan } from '../admin/plan-file.ts';
import { withMgmtd } from '../admin/mgmtd-session.ts';
import type { Progress } from '../progress.ts';
import { clusterPaths, hasManifest, managersOf, readManifest, writeManifest, type ClusterManifest, type ClusterNode } from './cluster-manifest.ts';
import { writeLocalLayout } from './cluster-layout.ts';
import type { ClusterHost } from './hosts-file.ts';
import type { NodeLauncher } from './launcher.ts';
import { LocalLauncher } from './local-launcher.ts';
import { waitMetaServing } from './wait-meta.ts';
import { waitAllServing } from './wait-serving.ts';

export interface ClusterUpOptions {
  readonly dir: string;
  readonly storageNodes: number;
  readonly targetsPerNode: number;
  readonly replication: number;
  /** Metadata servers of a new cluster (default 1). */
  readonly metaServers?: number;
  /** The root directory's layout of a new cluster (default 1 MiB chunks, stripe 16). */
  readonly rootLayout?: { readonly chunkSizeBytes: number; readonly stripeSize: number };
  /** Each storage target's capacity limit (default: the file system's). */
  readonly targetCapacityBytes?: number;
  /** Overrides of the meta servers' [meta] table of a new cluster (benchmarks). */
  readonly metaTuning?: Readonly<Record<string, unknown>>;
  readonly basePort?: number;
  readonly exitWithPid?: number;
  /** Budget for every process to print its ready line, and then for every target to be SERVING. */
  readonly readyTimeoutMs: number;
  readonly servingTimeoutMs: number;
  readonly progress: Progress;
  /** Run the nodes on these hosts (`--hosts FILE`) instead of loopback. */
  readonly hosts?: readonly ClusterHost[];
}

export interface ClusterUpResult {
  readonly dir: string;
  readonly manifest: ClusterManifest;
  readonly alreadyRunning: boolean;
  readonly reused: boolean;
}

const UPLOAD_RETRY_MS = 200;

/**
 * `flyer cluster up --local`: writes the cluster's files (or reuses them: a stopped cluster restarts
 * with its data), starts the kv server (when several meta servers share it), the manager and then the storage nodes, uploads the chain table through the
 * manager's admin calls, waits until every target is SERVING, and then starts the meta servers: they
 * lay new files out on chain table 1, so they come after it exists (a meta server started without it
 * answers creates with META_INVALID_LAYOUT until it is uploaded). Anything that fails on the way stops
 * what this run started, so a failed `up` leaves no process behind.
 */
export async function clusterUp(options: ClusterUpOptions): Promise<ClusterUpResult> {
  const dir = resolve(options.dir);
  const { progress } = options;
  let manifest: ClusterManifest;
  let plan: ChainTablePlan;
  let reused = false;
  if (hasManifest(dir)) {
    manifest = readManifest(dir);
    const launcher = new LocalLauncher({ dir });
    const running = manifest.nodes.filter((node) => launcher.running(node) !== undefined);
    if (running.length === manifest.nodes.length) return { dir, manifest, alreadyRunning: true, reused: true };
    if (running.length > 0) {
      throw new FlyerError('CLUSTER_PARTLY_RUNNING',
        `${running.map((n) => n.id).join(', ')} of the cluster in ${dir} still run: stop them with \`flyer cluster down --dir ${dir}\` first`);
    }
    manifest = { ...manifest, ...(options.exitWithPid !== undefined ? { exitWithPid: options.exitWithPid } : {}) };
    writeManifest(dir, manifest);
    plan = readPlan(clusterPaths.plan(dir));
    reused = true;
    progress.line(`restarting the stopped cluster in ${dir} with its data (${describe(manifest)})`);
  } else {
    mkdirSync(dir, { recursive: true });
    ({ manifest, plan } = await writeLocalLayout({ ...options, dir }));
    progress.line(`new ${manifest.launcher === 'hosts' ? 'cluster on hosts' : 'local cluster'} in ${dir}: ${describe(manifest)}`);
    progress.line(balanceText(plan));
  }
  const launcher: NodeLauncher = new LocalLauncher({ dir, ...(manifest.exitWithPid !== undefined ? { exitWithPid: manifest.exitWithPid } : {}) });
  const started: ClusterNode[] = [];
  try {
    // The kv server (clusters with several meta servers) before everything: it depends on nothing.
    for (const node of manifest.nodes.filter((n) => n.role === 'kv')) await startNode(launcher, node, options, started);
    // Managers next: storage nodes would wait for them anyway, but a manager that cannot start
    // (its port taken, say) is reported before anything else is spawned.
    for (const node of manifest.nodes.filter((n) => n.role === 'mgmtd')) await startNode(launcher, node, options, started);
    // Let every start settle before reacting to one failure, so none is still being spawned while we stop them.
    const starts = await Promise.allSettled(manifest.nodes.filter((n) => n.role === 'storage').map((node) => startNode(launcher, node, options, started)));
    const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    await withMgmtd({ managers: managersOf(manifest) }, async (session) => {
      await uploadPlan(() => session.client.installChainTable(plan, 1), options.readyTimeoutMs);
      progress.line(`chain table uploaded: ${plan.chains.length} chains, replication ${manifest.layout.replication}`);
      await waitAllServing(session, { expectedTargets: plan.targets.length, timeoutMs: options.servingTimeoutMs, progress });
    });
    const metaNodes = manifest.nodes.filter((n) => n.role === 'meta');
    if (metaNodes.length > 0) {
      const metaStarts = await Promise.allSettled(metaNodes.map((node) => startNode(launcher, node, options, started)));
      const metaFailed = metaStarts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (metaFailed) throw metaFailed.reason;
      await waitMetaServing(dir, { timeoutMs: options.readyTimeoutMs, progress });
    }
  } catch (error) {
    progress.line(`cluster up failed; stopping the ${started.length} processes it started`);
    await Promise.all(started.map((node) => launcher.stop(node, { timeoutMs: 2000 })));
    throw error;
  }
  return { dir, manifest, alreadyRunning: false, reused };
}

async function startNode(launcher: NodeLauncher, node: ClusterNode, options: ClusterUpOptions, started: ClusterNode[]): Promise<void> {
  options.progress.line(`starting ${node.id} (${node.role}, ${node.host}:${node.port})`);
  const promise = launcher.start(node, { readyTimeoutMs: options.readyTimeoutMs });
  started.push(node);
  const { pid, readyMs } = await promise;
  options.progress.line(`${node.id} ready in ${(readyMs / 1000).toFixed(1)} s (pid ${pid})`);
}

/** The manager may still be taking its lease when the nodes are up: retry until the budget is spent. */
async function uploadPlan(upload: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadlineMs = performance.now() + timeoutMs;
  for (;;) {
    try {
      await upload();
      return;
    } catch (error) {
      if (!isFlyerError(error) || error.code === 'INVALID_ARGUMENT' || performance.now() > deadlineMs) throw error;
      await sleep(UPLOAD_RETRY_MS);
    }
  }
}

export function describe(manifest: ClusterManifest): string {
  const { storageNodes, targetsPerNode, replication, metaServers } = manifest.layout;
  const meta = metaServers ? `, ${metaServers} meta server${metaServers === 1 ? '' : 's'}` : '';
  const kv = manifest.nodes.some((n) => n.role === 'kv') ? ' sharing a kv server' : '';
  return `1 manager, ${storageNodes} storage nodes x ${targetsPerNode} targets, replication ${replication}${meta}${kv}`;
}
