import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlyerError } from '../../env/errors.ts';

/**
 * What `flyer cluster up` writes into its directory, so every later command (down, status, admin --dir,
 * tests) finds the cluster again:
 *
 *   D/cluster.json          this manifest: nodes, roles, addresses, layout
 *   D/chain-table.json      the chain-table plan uploaded to the manager
 *   D/config/<node>.toml    one node config per process
 *   D/data/<node>/          each node's data directory (KV log, chunk engine targets, meta's namespace,
 *                           or the kv server's stores when several meta servers share one)
 *   D/logs/<node>.log       stdout and stderr of each process (JSON log lines)
 *   D/run/<node>.pid        pid of each running process
 */
/** `kv`: the shared KV server of a cluster with several meta servers (`flyer kv`). */
export type NodeRole = 'mgmtd' | 'storage' | 'meta' | 'kv';

export interface ClusterNode {
  readonly id: string;
  readonly role: NodeRole;
  readonly host: string;
  readonly port: number;
  readonly targets?: readonly number[];
  /** Command prefix that runs a command on the node's host (hosts launcher): ssh, or `ip netns exec`. */
  readonly exec?: readonly string[];
}

export interface ClusterManifest {
  readonly version: 1;
  readonly launcher: 'local' | 'hosts';
  readonly createdAt: string;
  readonly layout: {
    readonly storageNodes: number;
    readonly targetsPerNode: number;
    readonly replication: number;
    /** Absent in manifests written before meta servers were part of a cluster (then: none). */
    readonly metaServers?: number;
    /** The root directory's layout the meta servers were configured with. */
    readonly rootLayout?: { readonly chunkSizeBytes: number; readonly stripeSize: number };
  };
  readonly nodes: readonly ClusterNode[];
  /** Processes exit when this one is gone (set by tests, so clusters never outlive them). */
  readonly exitWithPid?: number;
}

export const clusterPaths = {
  manifest: (dir: string): string => join(dir, 'cluster.json'),
  plan: (dir: string): string => join(dir, 'chain-table.json'),
  config: (dir: string, node: string): string => join(dir, 'config', `${node}.toml`),
  data: (dir: string, node: string): string => join(dir, 'data', node),
  log: (dir: string, node: string): string => join(dir, 'logs', `${node}.log`),
  pid: (dir: string, node: string): string => join(dir, 'run', `${node}.pid`),
};

export function hasManifest(dir: string): boolean {
  return existsSync(clusterPaths.manifest(dir));
}

/** The manifest of the cluster in `dir`; CLUSTER_NOT_FOUND saying so when there is none. */
export function readManifest(dir: string): ClusterManifest {
  const path = clusterPaths.manifest(dir);
  if (!existsSync(path)) throw new FlyerError('CLUSTER_NOT_FOUND', `no cluster in ${dir} (no cluster.json there; start one with \`flyer cluster up --local --dir ${dir}\`)`);
  let manifest: ClusterManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as ClusterManifest;
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `${path} is not a cluster manifest: ${(error as Error).message}`);
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.nodes)) throw new FlyerError('INVALID_ARGUMENT', `${path}: unknown manifest version`);
  return manifest;
}

export function writeManifest(dir: string, manifest: ClusterManifest): void {
  writeFileSync(clusterPaths.manifest(dir), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function metaServersOf(manifest: ClusterManifest): Array<{ id: string; host: string; port: number }> {
  return manifest.nodes.filter((n) => n.role === 'meta').map(({ id, host, port }) => ({ id, host, port }));
}

export function managersOf(manifest: ClusterManifest): Array<{ id: string; host: string; port: number }> {
  return manifest.nodes.filter((n) => n.role === 'mgmtd').map(({ id, host, port }) => ({ id, host, port }));
}
