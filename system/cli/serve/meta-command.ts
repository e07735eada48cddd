import type { Command } from 'commander';
import { createRealEnv, type RealEnv } from '../../real/real-env.ts';
import { StorageClient } from '../../services/client/storage-client.ts';
import { StorageFileOps } from '../../services/fs/storage-file-ops.ts';
import { latestTable } from '../../services/meta/chain-allocator.ts';
import { inSnapshot } from '../../services/meta/context.ts';
import { MetaService } from '../../services/meta/meta-service.ts';
import { ROOT_INODE_ID } from '../../services/meta/types.ts';
import { MgmtdClient } from '../../services/mgmtd/mgmtd-client.ts';
import { registerUntilReachable } from '../../services/mgmtd/register-until-reachable.ts';
import { configError } from '../config/config-table.ts';
import type { NodeConfig } from '../node-config.ts';
import { mgmtdClientOptions, registerRetryNs } from './mgmtd-client-config.ts';
import { realEnvBase } from './peer-book.ts';
import { serviceKvs, type ServiceKvs } from './service-kvs.ts';
import { registerServiceCommand } from './service-command.ts';
import type { ServingService } from './service-process.ts';

/** 3FS nodes heartbeat every 10 s; local clusters configure less. */
const HEARTBEAT_INTERVAL_NS_DEFAULT = 10_000_000_000;

/**
 * `flyer meta --config F`: a metadata server as an OS process (3fs-notes §1.2). Its namespace lives in
 * the embedded durable KV under data_dir/kv/, or on the `flyer kv` server [cluster] kv names, shared
 * with the other meta servers (either way a commit is acknowledged only once its log record is synced,
 * so a SIGKILL loses nothing acknowledged); it registers with the manager as a META node and
 * heartbeats, follows routing for the chain tables new files are laid out on, and reaches storage
 * through a StorageClient for exact lengths, truncate, statfs and GC. Storage nodes must be listed in
 * [cluster] peers: routing names nodes by id only.
 */
export function registerMetaCommand(program: Command): void {
  registerServiceCommand(program, {
    role: 'meta',
    description: 'run a metadata server from a TOML node config; prints {"ready":true,...} when serving',
    configHelp: 'the node config (TOML: [node], [cluster] mgmtd and peers (the storage nodes) and optional kv, optional [meta], [meta.root_layout], [mgmtd_client])',
    process: () => {
      const kvs = serviceKvs();
      return {
        createEnv: (config) => {
          if (config.mgmtd.length === 0) configError('cluster.mgmtd must name at least one manager ("id=host:port")');
          if (config.targets.length > 0) configError('a meta server has no [[storage.targets]]');
          return createRealEnv({ ...realEnvBase(config), kvFactory: kvs.kvFactoryFor(config) });
        },
        serve: (env, config, stopping) => serveMeta(env, config, stopping, kvs),
      };
    },
  });
}

async function serveMeta(env: RealEnv, config: NodeConfig, stopping: AbortSignal, kvs: ServiceKvs): Promise<ServingService> {
  const mgmtd = MgmtdClient.start(env, mgmtdClientOptions(config));
  let service: MetaService | undefined;
  try {
    await registerUntilReachable(env, mgmtd, 'META', { retryNs: registerRetryNs(config), signal: stopping });
    // The first snapshot now, not one poll interval later: creates need the chain tables.
    await mgmtd.refresh();
    mgmtd.startHeartbeats({ type: 'META', intervalNs: config.meta.heartbeatIntervalNs ?? HEARTBEAT_INTERVAL_NS_DEFAULT });
    const storage = new StorageClient(env, { clientId: env.nodeId, routing: mgmtd });
    const { heartbeatIntervalNs: _heartbeat, ...options } = config.meta;
    service = await MetaService.start(env, { ...options, routing: mgmtd, chunks: new StorageFileOps(storage, mgmtd) });
  } catch (error) {
    mgmtd.stop();
    throw error;
  }
  const rootTable = await rootTableState(mgmtd, service);
  if (rootTable !== 'present') {
    env.log.warn('the root layout\'s chain table is not in routing yet: creating files fails with META_INVALID_LAYOUT until it is uploaded', { rootTable });
  }
  const running = service;
  return {
    ready: { rootTable },
    // Stop the loops and the manager client, then close the KV.
    stop: async () => {
      running.stop();
      mgmtd.stop();
      await kvs.closeAll();
    },
  };
}

/**
 * Whether the chain table the root directory names is in the routing this server has. The root's
 * stored layout counts, not the config's: [meta.root_layout] applies only when the namespace is created.
 */
async function rootTableState(mgmtd: MgmtdClient, service: MetaService): Promise<string> {
  const root = await inSnapshot(service.ctx, (mt) => mt.directory(ROOT_INODE_ID));
  const layout = root.layout;
  try {
    const table = latestTable(mgmtd.current(), layout.tableId, layout.tableVersion);
    return table.chainIds.length > 0 ? 'present' : 'empty';
  } catch {
    return 'missing';
  }
}
