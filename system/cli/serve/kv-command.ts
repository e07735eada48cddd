import type { Command } from 'commander';
import { createRealEnv } from '../../real/real-env.ts';
import { KvService } from '../../services/kv/kv-service.ts';
import { configError } from '../config/config-table.ts';
import { durableKvs } from './durable-kvs.ts';
import { realEnvBase } from './peer-book.ts';
import { registerServiceCommand } from './service-command.ts';

/**
 * `flyer kv --config F`: the networked transactional KV (services/kv) as an OS process, so several meta
 * servers (or managers) share one store, as 3FS's stateless meta servers share FoundationDB. Its stores
 * are DurableKv write-ahead logs under data_dir/kv/, one per name (meta, mgmtd, ...): a commit is
 * acknowledged only once synced, so a SIGKILL loses nothing acknowledged.
 */
export function registerKvCommand(program: Command): void {
  registerServiceCommand(program, {
    role: 'kv',
    description: 'run a transactional KV server (shared state of meta servers and managers) from a TOML node config; prints {"ready":true,...} when serving',
    configHelp: 'the node config (TOML: [node], optional [kv])',
    process: () => {
      const kvs = durableKvs();
      return {
        createEnv: (config) => {
          if (config.targets.length > 0) configError('a kv server has no [[storage.targets]]');
          if (config.kv.length > 0) configError('a kv server keeps its own stores: it takes no cluster.kv');
          return createRealEnv({ ...realEnvBase(config), kvFactory: kvs.kvFactory });
        },
        serve: async (env, config) => {
          const service = KvService.start(env, config.kvService);
          return {
            ready: { bootId: service.bootId },
            // Refuse new work and abort open transactions, then close the stores: every acknowledged
            // commit is already synced, closing only releases the log files.
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
