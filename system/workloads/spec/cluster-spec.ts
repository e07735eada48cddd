import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'smol-toml';
import { FlyerError } from '../../env/errors.ts';
import { ConfigTable } from '../../cli/config/config-table.ts';

/**
 * A cluster to simulate (specs/*.toml): the storage nodes with their ports and SSDs, the client (compute)
 * nodes with their ports and cores, and the cluster-wide layout. The three 3FS setups are in specs/
 * beside small ones for CI. Bandwidths are in the units vendors quote: port Gb/s, SSD GB/s.
 *
 * ```toml
 * name = "graysort-3fs"
 * description = "..."
 * [storage]
 * nodes = 25
 * ports = 2
 * port_gbps = 400
 * ssds_per_node = 16
 * ssd_read_gbytes_per_sec = 2.8      # optional
 * [clients]
 * nodes = 50
 * port_gbps = 200
 * cores = 192
 * [cluster]
 * replication = 3
 * chunk_size_bytes = 4194304
 * stripe_size = 16
 * ```
 */
export interface PortsSpec {
  readonly ports: number;
  readonly portGbps: number;
  /** Fraction of line rate bulk transfers reach (RDMA at ~0.96). */
  readonly efficiency: number;
}

export interface ClusterSpec {
  readonly name: string;
  readonly description: string;
  readonly storage: PortsSpec & {
    readonly nodes: number;
    readonly ssdsPerNode: number;
    readonly targetsPerSsd: number;
    readonly ssdReadBytesPerSec: number;
    readonly ssdWriteBytesPerSec: number;
  };
  readonly clients: PortsSpec & { readonly nodes: number; readonly cores: number };
  readonly managers: number;
  readonly metaServers: number;
  readonly replication: number;
  readonly chunkSizeBytes: number;
  readonly stripeSize: number;
  /** The [workload] table as written: each workload reads its own keys. */
  readonly workload: Readonly<Record<string, unknown>>;
}

export function loadClusterSpec(path: string): ClusterSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `cannot read cluster spec ${path}: ${(error as Error).message}`);
  }
  try {
    return parseClusterSpec(text, basename(path).replace(/\.toml$/, ''));
  } catch (error) {
    if (error instanceof FlyerError) throw new FlyerError(error.code, `${path}: ${error.detail}`);
    throw error;
  }
}

export function parseClusterSpec(text: string, fallbackName: string): ClusterSpec {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `cluster spec is not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
  const root = new ConfigTable('', raw);
  const storage = root.table('storage', { optional: false });
  const clients = root.table('clients', { optional: false });
  const cluster = root.table('cluster');
  const workload = root.table('workload');
  const spec: ClusterSpec = {
    name: root.optionalString('name') ?? fallbackName,
    description: root.optionalString('description') ?? '',
    storage: {
      nodes: storage.integer('nodes', { min: 1, max: 10_000 }) ?? fail('storage.nodes is required'),
      ...ports(storage),
      ssdsPerNode: storage.integer('ssds_per_node', { min: 1, max: 256 }) ?? 1,
      targetsPerSsd: storage.integer('targets_per_ssd', { min: 1, max: 64 }) ?? 1,
      ssdReadBytesPerSec: (storage.number('ssd_read_gbytes_per_sec', { above: 0, atMost: 1000 }) ?? 2.8) * 1e9,
      ssdWriteBytesPerSec: (storage.number('ssd_write_gbytes_per_sec', { above: 0, atMost: 1000 }) ?? 1.6) * 1e9,
    },
    clients: {
      nodes: clients.integer('nodes', { min: 1, max: 100_000 }) ?? fail('clients.nodes is required'),
      ...ports(clients),
      cores: clients.integer('cores', { min: 1, max: 4096 }) ?? 1,
    },
    managers: cluster.integer('managers', { min: 1, max: 7 }) ?? 1,
    metaServers: cluster.integer('meta_servers', { min: 1, max: 64 }) ?? 1,
    replication: cluster.integer('replication', { min: 1, max: 8 }) ?? 3,
    chunkSizeBytes: cluster.integer('chunk_size_bytes', { min: 4096, max: 1 << 30 }) ?? 4 * 1024 * 1024,
    stripeSize: cluster.integer('stripe_size', { min: 1, max: 4096 }) ?? 16,
    workload: { ...workload.values },
  };
  for (const table of [storage, clients, cluster]) table.rejectUnknown();
  // The workload table belongs to the workloads; the top level must hold only what is known.
  for (const key of Object.keys(raw)) {
    if (!['name', 'description', 'storage', 'clients', 'cluster', 'workload'].includes(key)) fail(`unknown key '${key}'`);
  }
  if ((spec.chunkSizeBytes & (spec.chunkSizeBytes - 1)) !== 0) fail(`cluster.chunk_size_bytes must be a power of two, got ${spec.chunkSizeBytes}`);
  if (spec.replication > spec.storage.nodes) fail(`replication ${spec.replication} needs at least that many storage nodes`);
  return spec;
}

function ports(table: ConfigTable): PortsSpec {
  return {
    ports: table.integer('ports', { min: 1, max: 16 }) ?? 1,
    portGbps: table.number('port_gbps', { above: 0, atMost: 10_000 }) ?? 200,
    efficiency: table.number('efficiency', { above: 0, atMost: 1 }) ?? 0.96,
  };
}

function fail(message: string): never {
  throw new FlyerError('INVALID_ARGUMENT', message);
}
