import { isFlyerError } from '../../env/errors.ts';
import { metaStat } from '../../services/meta/messages.ts';
import { withFs } from '../fs/fs-session.ts';
import { metaServersOf, type ClusterManifest } from './cluster-manifest.ts';

const PROBE_TIMEOUT_NS = 1_000_000_000;

export interface MetaProbe {
  readonly node: string;
  readonly serving: boolean;
  /** Why not, when not. */
  readonly error?: string;
}

/** Asks each meta server of the cluster for a stat of the root, once: what `cluster status` shows. */
export async function probeMetaServers(dir: string, manifest: ClusterManifest): Promise<MetaProbe[]> {
  const servers = metaServersOf(manifest);
  if (servers.length === 0) return [];
  try {
    return await withFs({ dir, timeoutMs: 2000 }, (session) => Promise.all(servers.map(async (server): Promise<MetaProbe> => {
      try {
        await session.env.rpc.call(server.id, metaStat, { caller: session.meta.caller, path: '/' }, { timeoutNs: PROBE_TIMEOUT_NS });
        return { node: server.id, serving: true };
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        return { node: server.id, serving: false, error: error.fullCode };
      }
    })));
  } catch (error) {
    // No client session at all (the manager gave no routing): every server counts as not answering.
    if (!isFlyerError(error)) throw error;
    return servers.map((server) => ({ node: server.id, serving: false, error: error.fullCode }));
  }
}
