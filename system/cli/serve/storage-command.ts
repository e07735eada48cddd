import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadNativeLibrary, NativeChunkStore } from '../../real/chunk-engine/index.ts';
import { growHeapForDataPlane } from '../../real/heap-growth.ts';
import { createRealEnv } from '../../real/real-env.ts';
import { MgmtdClient } from '../../services/mgmtd/mgmtd-client.ts';
import { StorageService } from '../../services/storage/service.ts';
import { configError } from '../config/config-table.ts';
import { registerUntilReachable } from '../../services/mgmtd/register-until-reachable.ts';
import { mgmtdClientOptions, registerRetryNs } from './mgmtd-client-config.ts';
import { realEnvBase } from './peer-book.ts';
import { registerServiceCommand } from './service-command.ts';

/**
 * `flyer storage --config F`: a storage node as an OS process: its targets on the native chunk engine,
 * registered with the manager (waiting until one answers), then the CRAQ storage service. On SIGTERM it
 * sends a last heartbeat with every target OFFLINE and closes its stores.
 */
export function registerStorageCommand(program: Command): void {
  registerServiceCommand(program, {
    role: 'storage',
    description: 'run a storage node from a TOML node config; prints {"ready":true,...} when serving',
    configHelp: 'the node config (TOML: [node], [cluster] mgmtd, [[storage.targets]], optional [storage])',
    process: () => ({
      createEnv: (config) => {
        if (config.targets.length === 0) configError('a storage node needs at least one [[storage.targets]] entry');
        if (config.mgmtd.length === 0) configError('cluster.mgmtd must name at least one manager ("id=host:port")');
        // Without the engine every target would open as failed and the node would serve nothing: say so now.
        loadNativeLibrary();
        growHeapForDataPlane();
        return createRealEnv({
          ...realEnvBase(config),
          chunkStoreFactory: (options, env) => NativeChunkStore.open({
            ...options,
            path: isAbsolute(options.path) ? options.path : resolve(env.disk.rootDir, options.path),
            engine: config.engine,
          }),
        });
      },
      serve: async (env, config, stopping) => {
        const mgmtd = MgmtdClient.start(env, mgmtdClientOptions(config));
        try {
          await registerUntilReachable(env, mgmtd, 'STORAGE', { retryNs: registerRetryNs(config), signal: stopping });
        } catch (error) {
          mgmtd.stop();
          throw error;
        }
        const service = await StorageService.start(env, { ...config.storage, targets: config.targets, routing: mgmtd, heartbeat: mgmtd });
        return {
          ready: { targets: config.targets.map((t) => t.targetId) },
          stop: async () => {
            await service.stop();
            mgmtd.stop();
          },
        };
      },
    }),
  });
}
