import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { FlyerError } from '../../env/errors.ts';
import { generateChainTable, type ChainTablePlan } from '../../services/mgmtd/chain-table-generator.ts';
import { writePlan } from '../admin/plan-file.ts';
import { renderNodeConfig } from '../node-config.ts';
import { clusterPaths, writeManifest, type ClusterManifest, type ClusterNode } from './cluster-manifest.ts';
import { freePorts } from './free-ports.ts';
import type { ClusterHost } from './hosts-file.ts';

/**
 * The files of a new local cluster: one manager, N storage nodes and M meta servers on loopback, a
 * balanced chain table, a node config per process. With more than one meta server a `flyer kv` server
 * holds the namespace they share (3FS's meta servers share FoundationDB); a single meta server keeps
 * it embedded, one process and one round trip fewer. Intervals are scaled down from 3FS's (which suit hundreds of machines):
 * a local cluster should notice a killed process in seconds and become ready in a few, not minutes.
 */
export interface LocalLayoutOptions {
  readonly dir: string;
  readonly storageNodes: number;
  readonly targetsPerNode: number;
  readonly replication: number;
  /** Metadata servers (default 1; 0 gives a storage-only cluster). */
  readonly metaServers?: number;
  /** The root directory's layout (default 1 MiB chunks, stripe 16, on chain table 1). */
  readonly rootLayout?: { readonly chunkSizeBytes: number; readonly stripeSize: number };
  /** Each storage target's capacity limit in bytes (the engine's capacity_bytes); default: the file system's. */
  readonly targetCapacityBytes?: number;
  /** Replaces keys of LOCAL_META_TUNING (benchmarks: a GC delay longer than the run). */
  readonly metaTuning?: Readonly<Record<string, unknown>>;
  /** Manager on basePort, storage-i on basePort + i, meta-j after them, then the kv server; default: free ports picked by the OS. */
  readonly basePort?: number;
  readonly exitWithPid?: number;
  /** Place nodes on these hosts instead of loopback (`--hosts FILE`): one storage node per storage host. */
  readonly hosts?: readonly ClusterHost[];
}

/** Ports on hosts: fixed, so a hosts file is all an operator needs to know (several nodes on one host differ by index). */
export const HOSTS_BASE_PORT = 9300;

export const ROOT_LAYOUT_DEFAULT = { chunkSizeBytes: 1 << 20, stripeSize: 16 } as const;

const HOST = '127.0.0.1';

export const LOCAL_MGMTD_TUNING = {
  // One manager: the lease matters only across its own restarts.
  lease_length_ms: 10_000,
  extend_lease_interval_ms: 2_000,
  // After (re)taking the lease, wait this long for heartbeats before changing chains (4 storage rounds).
  bootstrapping_ms: 2_000,
  new_chain_bootstrap_ms: 1_000,
  // A killed storage process is declared failed, and its targets OFFLINE, within ~3 s.
  heartbeat_fail_ms: 3_000,
  check_interval_ms: 200,
  update_chains_interval_ms: 200,
};

export const LOCAL_CLIENT_TUNING = { refresh_interval_ms: 500, call_timeout_ms: 1_000, register_retry_ms: 250 };

export const LOCAL_STORAGE_TUNING = {
  heartbeat_interval_ms: 500,
  fencing_interval_ms: 200,
  forward: { attempt_timeout_ms: 1_000, backoff_ms: 50, backoff_max_ms: 500, total_timeout_ms: 30_000 },
  resync: { scan_interval_ms: 200, retry_after_ms: 1_000, concurrency: 8, call_timeout_ms: 5_000 },
  // A few storage processes share one machine: 64 I/O threads each (the default) would be wasted.
  engine: { io_threads: 8 },
};

export const LOCAL_META_TUNING = {
  heartbeat_interval_ms: 500,
  // 3FS keeps a removed file's chunks 5 min; a local cluster frees the space sooner.
  gc_delay_ms: 10_000,
  gc_interval_ms: 500,
  stamp_interval_ms: 500,
  server_timeout_ms: 3_000,
  maintenance_interval_ms: 10_000,
};

export async function writeLocalLayout(options: LocalLayoutOptions): Promise<{ manifest: ClusterManifest; plan: ChainTablePlan }> {
  const placement = placeNodes(options);
  const storageNodes = placement.storage.length;
  const storageIds = Array.from({ length: storageNodes }, (_, i) => `storage-${i + 1}`);
  const plan = generateChainTable({ nodes: storageIds, targetsPerDisk: options.targetsPerNode, replication: options.replication, seed: 1 });
  const metaServers = placement.meta.length;
  const kvServers = metaServers > 1 ? 1 : 0;
  const rootLayout = options.rootLayout ?? ROOT_LAYOUT_DEFAULT;
  const portCount = 1 + storageNodes + metaServers + kvServers;
  const ports = options.hosts ? Array.from({ length: portCount }, (_, i) => (options.basePort ?? HOSTS_BASE_PORT) + i)
    : await portsFor(portCount, options.basePort);
  const mgmtd: ClusterNode = { id: 'mgmtd-1', role: 'mgmtd', ...placement.mgmtd, port: ports[0]! };
  const storage: ClusterNode[] = storageIds.map((id, i) => ({
    id, role: 'storage', ...placement.storage[i]!, port: ports[i + 1]!, targets: plan.targets.filter((t) => t.nodeId === id).map((t) => t.targetId),
  }));
  const meta: ClusterNode[] = Array.from({ length: metaServers }, (_, i) => ({
    id: `meta-${i + 1}`, role: 'meta', ...placement.meta[i]!, port: ports[1 + storageNodes + i]!,
  }));
  // The kv server sits with the manager: both are the cluster's small control-plane state.
  const kv: ClusterNode[] = Array.from({ length: kvServers }, () => ({
    id: 'kv-1', role: 'kv', ...placement.mgmtd, port: ports[1 + storageNodes + metaServers]!,
  }));
  const address = (n: ClusterNode): string => `${n.id}=${n.host}:${n.port}`;
  const write = (node: ClusterNode, text: string): void => {
    const path = clusterPaths.config(options.dir, node.id);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `# ${node.role} node of the local cluster in ${options.dir} (written by flyer cluster up)\n${text}`);
  };
  const dataDir = (node: ClusterNode): string => relative(dirname(clusterPaths.config(options.dir, node.id)), clusterPaths.data(options.dir, node.id));
  write(mgmtd, renderNodeConfig({
    nodeId: mgmtd.id, listen: `${mgmtd.host}:${mgmtd.port}`, dataDir: dataDir(mgmtd), mgmtd: [address(mgmtd)], extra: { mgmtd: LOCAL_MGMTD_TUNING },
  }));
  const storageTuning = options.targetCapacityBytes === undefined ? LOCAL_STORAGE_TUNING
    : { ...LOCAL_STORAGE_TUNING, engine: { ...LOCAL_STORAGE_TUNING.engine, capacity_bytes: options.targetCapacityBytes } };
  for (const node of storage) {
    write(node, renderNodeConfig({
      nodeId: node.id, listen: `${node.host}:${node.port}`, dataDir: dataDir(node), mgmtd: [address(mgmtd)],
      peers: storage.filter((s) => s !== node).map(address),
      targets: node.targets!.map((id) => ({ id, path: `targets/${id}` })),
      extra: { mgmtd_client: LOCAL_CLIENT_TUNING, storage: storageTuning },
    }));
  }
  for (const node of kv) {
    write(node, renderNodeConfig({ nodeId: node.id, listen: `${node.host}:${node.port}`, dataDir: dataDir(node), mgmtd: [address(mgmtd)] }));
  }
  for (const node of meta) {
    write(node, renderNodeConfig({
      // Meta servers call storage (lengths, truncate, statfs, GC), so the storage nodes are their peers.
      nodeId: node.id, listen: `${node.host}:${node.port}`, dataDir: dataDir(node), mgmtd: [address(mgmtd)], peers: storage.map(address),
      ...(kv.length > 0 ? { kv: kv.map(address) } : {}),
      extra: {
        mgmtd_client: LOCAL_CLIENT_TUNING,
        meta: {
          ...LOCAL_META_TUNING, ...options.metaTuning,
          root_layout: { table_id: 1, chunk_size_bytes: rootLayout.chunkSizeBytes, stripe_size: rootLayout.stripeSize },
        },
      },
    }));
  }
  const manifest: ClusterManifest = {
    version: 1, launcher: options.hosts ? 'hosts' : 'local', createdAt: new Date().toISOString(),
    layout: { storageNodes, targetsPerNode: options.targetsPerNode, replication: options.replication, metaServers, rootLayout },
    nodes: [...kv, mgmtd, ...storage, ...meta],
    ...(options.exitWithPid !== undefined ? { exitWithPid: options.exitWithPid } : {}),
  };
  writePlan(clusterPaths.plan(options.dir), plan);
  writeManifest(options.dir, manifest);
  return { manifest, plan };
}

interface Placement {
  readonly host: string;
  readonly exec?: readonly string[];
}

/** Where each node runs: loopback, or the hosts file's hosts with the role (storage: one per host). */
function placeNodes(options: LocalLayoutOptions): { mgmtd: Placement; storage: Placement[]; meta: Placement[] } {
  if (!options.hosts) {
    return {
      mgmtd: { host: HOST },
      storage: Array.from({ length: options.storageNodes }, () => ({ host: HOST })),
      meta: Array.from({ length: options.metaServers ?? 1 }, () => ({ host: HOST })),
    };
  }
  const on = (host: ClusterHost): Placement => ({ host: host.address, exec: host.exec });
  const withRole = (role: 'mgmtd' | 'meta' | 'storage') => options.hosts!.filter((h) => h.roles.has(role)).map(on);
  const storage = withRole('storage');
  if (storage.length < options.replication) {
    throw new FlyerError('INVALID_ARGUMENT', `replication ${options.replication} needs at least ${options.replication} storage hosts; the hosts file has ${storage.length}`);
  }
  return { mgmtd: withRole('mgmtd')[0]!, storage, meta: withRole('meta').slice(0, options.metaServers ?? 1) };
}

async function portsFor(count: number, basePort: number | undefined): Promise<number[]> {
  if (basePort === undefined) return freePorts(count, HOST);
  if (!Number.isSafeInteger(basePort) || basePort < 1024 || basePort + count - 1 > 65535) {
    throw new FlyerError('INVALID_ARGUMENT', `--base-port must leave room for ${count} ports in 1024..65535, got ${basePort}`);
  }
  return Array.from({ length: count }, (_, i) => basePort + i);
}
