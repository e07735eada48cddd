/**
 * One real-mode service process of the storage benchmark's local cluster (real-local-cluster.ts starts
 * these): a cluster manager on DurableKv, or a storage node on the native chunk engine, over TCP on
 * loopback. Usage: `node --import tsx sim/perf/real-node.ts '<RealNodeConfig as JSON>'`. Prints one
 * JSON line `{"ready":true,...}` on stdout when serving; stops on SIGTERM or when its parent exits.
 *
 * This lives here rather than behind `flyer cluster up --local` because that command was still being
 * written when the benchmark was; the wiring is the same (RealEnv, NativeChunkStore, DurableKv).
 */
import { join } from 'node:path';
import { DurableKv } from '../../system/env/kv-durable.ts';
import { NativeChunkStore, type NativeEngineOptions } from '../../system/real/chunk-engine/index.ts';
import { growHeapForDataPlane } from '../../system/real/heap-growth.ts';
import { createRealEnv, type PeerAddress } from '../../system/real/real-env.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import type { MgmtdOptions } from '../../system/services/mgmtd/mgmtd-options.ts';
import { MgmtdService } from '../../system/services/mgmtd/mgmtd-service.ts';
import { registerUntilReachable } from '../../system/services/mgmtd/register-until-reachable.ts';
import { StorageService } from '../../system/services/storage/service.ts';
import type { StorageServiceOptions } from '../../system/services/storage/options.ts';

export interface RealNodeConfig {
  readonly role: 'mgmtd' | 'storage';
  readonly nodeId: string;
  readonly port: number;
  readonly peers: Readonly<Record<string, PeerAddress>>;
  readonly dataDir: string;
  readonly managers: readonly string[];
  readonly mgmtdOptions?: MgmtdOptions;
  readonly targets?: readonly number[];
  readonly storageOptions?: Omit<StorageServiceOptions, 'targets' | 'routing' | 'heartbeat'>;
  readonly engine?: NativeEngineOptions;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as RealNodeConfig;
  const kvs: DurableKv[] = [];
  const env = createRealEnv({
    nodeId: config.nodeId,
    listen: { host: '127.0.0.1', port: config.port },
    peers: config.peers,
    dataDir: config.dataDir,
    logLevel: 'warn',
    kvFactory: async (name, realEnv) => {
      const kv = await DurableKv.open(realEnv.disk, name);
      kvs.push(kv);
      return kv;
    },
    chunkStoreFactory: (options, realEnv) => NativeChunkStore.open({ ...options, path: join(realEnv.disk.rootDir, options.path), engine: config.engine ?? {} }),
  });
  await env.start();
  let stop: () => Promise<void>;
  if (config.role === 'mgmtd') {
    const service = await MgmtdService.start(env, config.mgmtdOptions ?? {});
    stop = async () => {
      service.stop();
      for (const kv of kvs) await kv.close().catch(() => undefined);
    };
  } else {
    // As `flyer storage` does: room for the young collections that free received socket buffers.
    growHeapForDataPlane();
    const mgmtd = MgmtdClient.start(env, { managers: config.managers, refreshIntervalNs: 100_000_000, callTimeoutNs: 1_000_000_000 });
    await registerUntilReachable(env, mgmtd, 'STORAGE', { retryNs: 100_000_000 });
    const targets = (config.targets ?? []).map((targetId) => ({ targetId, path: `target-${targetId}` }));
    const service = await StorageService.start(env, { ...config.storageOptions, targets, routing: mgmtd, heartbeat: mgmtd });
    stop = async () => {
      await service.stop();
      mgmtd.stop();
    };
  }
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 3000).unref();
    void stop().catch(() => undefined).then(() => env.close()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Never outlive the benchmark that started us.
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      shutdown();
    }
  }, 500).unref();
  process.stdout.write(`${JSON.stringify({ ready: true, role: config.role, nodeId: config.nodeId, pid: process.pid, port: env.addresses!.rpc.port })}\n`);
  // Keep the process alive while serving (the RPC server holds the loop open; this is a backstop).
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  process.stderr.write(`real-node failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
