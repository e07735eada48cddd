import type { KvStore } from '../../env/kv.ts';
import type { RealEnvOptions } from '../../real/real-env.ts';
import { RemoteKv } from '../../services/kv/remote-kv.ts';
import type { NodeConfig } from '../node-config.ts';
import { durableKvs } from './durable-kvs.ts';

/**
 * Where a meta or manager process keeps its KV stores: on the `flyer kv` server its config names
 * ([cluster] kv), shared with every process configured the same way (several meta servers over one
 * namespace, as 3FS's share FoundationDB), or else embedded (DurableKv under data_dir/kv/). Either way
 * the process closes them when it stops.
 */
export interface ServiceKvs {
  kvFactoryFor(config: NodeConfig): NonNullable<RealEnvOptions['kvFactory']>;
  closeAll(): Promise<void>;
}

export function serviceKvs(): ServiceKvs {
  const embedded = durableKvs();
  const remote: KvStore[] = [];
  return {
    kvFactoryFor: (config) => {
      const server = config.kv[0];
      if (!server) return embedded.kvFactory;
      return async (name, env) => {
        const kv = await RemoteKv.open(env, { server: server.id, store: name });
        remote.push(kv);
        return kv;
      };
    },
    closeAll: async () => {
      await embedded.closeAll();
      for (const kv of remote) await kv.close();
    },
  };
}
