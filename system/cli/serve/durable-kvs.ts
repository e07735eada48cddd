import { DurableKv } from '../../env/kv-durable.ts';
import type { RealEnvOptions } from '../../real/real-env.ts';

/**
 * The embedded durable KV stores of one service process (DurableKv: a write-ahead log under
 * data_dir/kv/), opened on demand through the env and remembered so the process can close them when it
 * stops. Closing loses nothing: a commit is acknowledged only once its log record is synced, so closing
 * only releases the log files, and a failed close is ignored.
 */
export interface DurableKvs {
  readonly kvFactory: NonNullable<RealEnvOptions['kvFactory']>;
  closeAll(): Promise<void>;
}

export function durableKvs(): DurableKvs {
  const opened: DurableKv[] = [];
  return {
    kvFactory: async (name, env) => {
      const kv = await DurableKv.open(env.disk, name);
      opened.push(kv);
      return kv;
    },
    closeAll: async () => {
      for (const kv of opened) await kv.close().catch(() => undefined);
    },
  };
}
