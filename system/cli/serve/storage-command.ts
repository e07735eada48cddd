import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadNativeLibrary, NativeChunkStore } from '../../real/chunk-engine/index.ts';
import { createRealEnv } from '../../real/real-env.ts';
import { MgmtdClient } from '../../services/mgmtd/mgmtd-client.ts';
import { StorageService } from '../../services/storage/service.ts';
import { configError } from '../config/config-table.ts';
import { realEnvBase } from './peer-book.ts';
import { parsePid } from './pid-flag.ts';
import { registerUntilReachable } from '../../services/mgmtd/register-until-reachable.ts';
import { runServiceProcess } from './service-process.ts';

const REGISTER_RETRY_NS_DEFAULT = 500_000_000;

/**
 * `flyer storage --config F`: a storage node as an OS process: its targets on the native chunk engine,
 * registered with the manager (waiting until one answers), then the CRAQ storage service. On SIGTERM it
 * sends a last heartbeat with every target OFFLINE and closes its stores.
 */
export function registerStorageCommand(program: Command): void {
  program.command('storage')
    .description('run a storage node from a TOML node config; prints {"ready":true,...} when serving')
    .requiredOption('--config <file>', 'the node config (TOML: [node], [cluster] mgmtd, [[storage.targets]], optional [storage])')
    .option('--exit-with-pid <pid>', 'exit when that process is gone (test clusters)')
    .action(async (flags: { config: string; exitWithPid?: string }) => {
      await runServiceProcess({
        role: 'storage',
        configPath: flags.config,
        ...(flags.exitWithPid !== undefined ? { exitWithPid: parsePid(flags.exitWithPid) } : {}),
        createEnv: (config) => {
          if (config.targets.length === 0) configError('a storage node needs at least one [[storage.targets]] entry');
          if (config.mgmtd.length === 0) configError('cluster.mgmtd must name at least one manager ("id=host:port")');
          // Without the engine every target would open as failed and the node would serve nothing: say so now.
          loadNativeLibrary();
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
          const mgmtd = MgmtdClient.start(env, { managers: config.mgmtd.map((m) => m.id), ...clientTuning(config.mgmtdClient) });
          try {
            await registerUntilReachable(env, mgmtd, 'STORAGE', { retryNs: config.mgmtdClient.registerRetryNs ?? REGISTER_RETRY_NS_DEFAULT, signal: stopping });
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
      });
    });
}

function clientTuning(tuning: { refreshIntervalNs?: number; callTimeoutNs?: number }): { refreshIntervalNs?: number; callTimeoutNs?: number } {
  return {
    ...(tuning.refreshIntervalNs !== undefined ? { refreshIntervalNs: tuning.refreshIntervalNs } : {}),
    ...(tuning.callTimeoutNs !== undefined ? { callTimeoutNs: tuning.callTimeoutNs } : {}),
  };
}
