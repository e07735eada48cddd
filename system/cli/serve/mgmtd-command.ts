import type { Command } from 'commander';
import { DurableKv } from '../../env/kv-durable.ts';
import { createRealEnv } from '../../real/real-env.ts';
import { MgmtdService } from '../../services/mgmtd/mgmtd-service.ts';
import { resolveMgmtdOptions } from '../../services/mgmtd/mgmtd-options.ts';
import { FlyerError } from '../../env/errors.ts';
import { realEnvBase } from './peer-book.ts';
import { runServiceProcess } from './service-process.ts';
import { parsePid } from './pid-flag.ts';

/**
 * `flyer mgmtd --config F`: the cluster manager as an OS process, its state in the embedded durable KV
 * (DurableKv: a write-ahead log under data_dir/kv/).
 */
export function registerMgmtdCommand(program: Command): void {
  program.command('mgmtd')
    .description('run a cluster manager (mgmtd) from a TOML node config; prints {"ready":true,...} when serving')
    .requiredOption('--config <file>', 'the node config (TOML: [node], optional [cluster] and [mgmtd])')
    .option('--exit-with-pid <pid>', 'exit when that process is gone (test clusters)')
    .action(async (flags: { config: string; exitWithPid?: string }) => {
      const kvs: DurableKv[] = [];
      await runServiceProcess({
        role: 'mgmtd',
        configPath: flags.config,
        ...(flags.exitWithPid !== undefined ? { exitWithPid: parsePid(flags.exitWithPid) } : {}),
        createEnv: (config) => {
          checkOptions(config.mgmtdOptions);
          return createRealEnv({
            ...realEnvBase(config),
            kvFactory: async (name, env) => {
              const kv = await DurableKv.open(env.disk, name);
              kvs.push(kv);
              return kv;
            },
          });
        },
        serve: async (env, config) => {
          const service = await MgmtdService.start(env, config.mgmtdOptions);
          return {
            // The manager has no final heartbeat to send: stop its loops, then close the KV (every
            // acknowledged commit is already synced; this only releases the file).
            stop: async () => {
              service.stop();
              for (const kv of kvs) await kv.close().catch(() => undefined);
            },
          };
        },
      });
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
