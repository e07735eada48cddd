/**
 * A local real-mode cluster for the storage benchmark: one manager and N storage nodes, each its own
 * OS process (real-node.ts) on loopback TCP, data under a temporary directory. The caller's process
 * joins as a client with its own RealEnv.
 *
 * @example
 * const cluster = await startLocalCluster({ storageNodes: 3, targetsPerNode: 4, replication: 3, dataDir, clients: ['client-1'] });
 * const env = cluster.clientEnv('client-1');
 * ...
 * await cluster.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeEngineOptions } from '../../system/real/chunk-engine/index.ts';
import { createRealEnv, type PeerAddress, type RealEnv } from '../../system/real/real-env.ts';
import { generateChainTable, type ChainTablePlan } from '../../system/services/mgmtd/chain-table-generator.ts';
import type { StorageServiceOptions } from '../../system/services/storage/options.ts';
import { SIM_MGMTD_OPTIONS, SIM_STORAGE_OPTIONS } from '../scenarios/craq-cluster.ts';
import type { RealNodeConfig } from './real-node.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface LocalClusterSpec {
  readonly storageNodes: number;
  readonly targetsPerNode: number;
  readonly replication: number;
  readonly dataDir: string;
  /** Clients in the caller's process: they listen before the nodes start, so storage nodes can push read data to them (bulkWrite dials the client). */
  readonly clients: readonly string[];
  readonly engine?: NativeEngineOptions;
  /** Storage service options over the defaults (the simulation's short intervals). */
  readonly storageOptions?: Omit<StorageServiceOptions, 'targets' | 'routing' | 'heartbeat'>;
}

export interface LocalCluster {
  readonly plan: ChainTablePlan;
  readonly managers: readonly string[];
  readonly storage: readonly string[];
  readonly peers: Readonly<Record<string, PeerAddress>>;
  /** Process ids of the manager and storage processes, in `managers` then `storage` order. */
  readonly pids: readonly number[];
  /** The started RealEnv of one of `clients` (in this process), with every node in its address book. */
  clientEnv(nodeId: string): Promise<RealEnv>;
  stop(): Promise<void>;
}

/** Attempts at starting the processes: a port picked free may be taken by another program before a node binds it. */
const START_ATTEMPTS = 3;

export async function startLocalCluster(spec: LocalClusterSpec): Promise<LocalCluster> {
  const managers = ['mgmtd-1'];
  const storage = Array.from({ length: spec.storageNodes }, (_, i) => `storage-${i + 1}`);
  const plan = generateChainTable({ nodes: storage, targetsPerDisk: spec.targetsPerNode, replication: spec.replication, seed: 1 });
  // Clients listen first, on ports the OS picks, so storage nodes can be told where to push read data.
  const clients = new Map<string, RealEnv>();
  const peers: Record<string, PeerAddress> = {};
  const closeClients = async (): Promise<void> => {
    for (const env of clients.values()) await env.close().catch(() => undefined);
  };
  try {
    for (const nodeId of spec.clients) {
      const env = createRealEnv({ nodeId, peers: {}, dataDir: join(spec.dataDir, nodeId), logLevel: 'warn' });
      clients.set(nodeId, env);
      peers[nodeId] = (await env.start()).rpc;
    }
  } catch (error) {
    await closeClients();
    throw error;
  }
  let children: ChildProcess[] = [];
  for (let attempt = 1; ; attempt++) {
    for (const id of [...managers, ...storage]) peers[id] = { host: '127.0.0.1', port: await freePort() };
    const configs: RealNodeConfig[] = [
      ...managers.map((nodeId): RealNodeConfig => ({
        role: 'mgmtd', nodeId, port: peers[nodeId]!.port, peers, managers, dataDir: join(spec.dataDir, nodeId),
        mgmtdOptions: { ...SIM_MGMTD_OPTIONS, bootstrappingNs: 0, newChainBootstrapNs: 0 },
      })),
      ...storage.map((nodeId): RealNodeConfig => ({
        role: 'storage', nodeId, port: peers[nodeId]!.port, peers, managers, dataDir: join(spec.dataDir, nodeId),
        targets: plan.targets.filter((t) => t.nodeId === nodeId).map((t) => t.targetId),
        storageOptions: { ...SIM_STORAGE_OPTIONS, ...spec.storageOptions },
        ...(spec.engine ? { engine: spec.engine } : {}),
      })),
    ];
    const started = await Promise.allSettled(configs.map((config) => startNode(config)));
    children = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (!failed) break;
    await stopAll(children);
    const portTaken = String((failed.reason as Error).message).includes('EADDRINUSE');
    if (!portTaken || attempt >= START_ATTEMPTS) {
      await closeClients();
      throw failed.reason;
    }
  }
  for (const env of clients.values()) {
    for (const [nodeId, address] of Object.entries(peers)) if (nodeId !== env.nodeId) env.rpc.addPeer(nodeId, address);
  }
  return {
    plan,
    managers,
    storage,
    peers,
    pids: children.map((child) => child.pid!),
    clientEnv: async (nodeId) => {
      const env = clients.get(nodeId);
      if (!env) throw new Error(`${nodeId} is not one of the cluster's clients`);
      return env;
    },
    stop: async () => {
      await closeClients();
      await stopAll(children);
    },
  };
}

async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  })));
}

/**
 * Extra Node flags for the service processes, for profiling them:
 * FLYER_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- storage
 */
function extraNodeArgs(): string[] {
  return (process.env.FLYER_BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
}

function startNode(config: RealNodeConfig): Promise<ChildProcess> {
  const args = [...extraNodeArgs(), '--import', 'tsx', join(here, 'real-node.ts'), JSON.stringify(config)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${config.nodeId} not ready after 60 s: ${stderr}`));
    }, 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"ready":true')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${config.nodeId} exited with ${code}: ${stderr}`));
    });
  });
}

/** A port free right now on loopback (the OS picks it; the node binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
