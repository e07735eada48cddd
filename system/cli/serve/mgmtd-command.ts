import type { Command } from 'commander';
import { createRealEnv } from '../../real/real-env.ts';
import { MgmtdService } from '../../services/mgmtd/mgmtd-service.ts';
import { resolveMgmtdOptions } from '../../services/mgmtd/mgmtd-options.ts';
import { FlyerError } from '../../env/errors.ts';
import { realEnvBase } from './peer-book.ts';
import { serviceKvs } from './service-kvs.ts';
import { registerServiceCommand } from './service-command.ts';

/**
 * `flyer mgmtd --config F`: the cluster manager as an OS process, its state in the embedded durable KV
 * (DurableKv: a write-ahead log under data_dir/kv/), or on the `flyer kv` server [cluster] kv names.
 */
export function registerMgmtdCommand(program: Command): void {
  registerServiceCommand(program, {
    role: 'mgmtd',
    description: 'run a cluster manager (mgmtd) from a TOML node config; prints {"ready":true,...} when serving',
    configHelp: 'the node config (TOML: [node], optional [cluster] and [mgmtd])',
    process: () => {
      const kvs = serviceKvs();
      return {
        createEnv: (config) => {
          checkOptions(config.mgmtdOptions);
          return createRealEnv({ ...realEnvBase(config), kvFactory: kvs.kvFactoryFor(config) });
        },
        serve: async (env, config) => {
          const service = await MgmtdService.start(env, config.mgmtdOptions);
          return {
            // The manager has no final heartbeat to send: stop its loops, then close the KV.
            stop: async () => {
              service.stop();
              await kvs.closeAll();
            },
          };
        },
      };
    },
  });
}

/** Cross-field rules (extend interval below lease length, ...) checked before anything starts. */
function checkOptions(options: Parameters<typeof resolveMgmtdOptions>[0]): void {
  try {
    resolveMgmtdOptions(options);
  } catch (error) {
    if (error instanceof FlyerError) throw new FlyerError('INVALID_ARGUMENT', `config: [mgmtd] ${error.detail}`);
    throw error;
  }
}
