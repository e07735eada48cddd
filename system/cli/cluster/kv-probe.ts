import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFlyerError } from '../../env/errors.ts';
import { createRealEnv } from '../../real/real-env.ts';
import { kvHello } from '../../services/kv/messages.ts';
import type { ClusterManifest } from './cluster-manifest.ts';

const PROBE_TIMEOUT_NS = 1_000_000_000;

export interface KvProbe {
  readonly node: string;
  readonly serving: boolean;
  /** Why not, when not. */
  readonly error?: string;
}

/** Greets each kv server of the cluster once (clusters with several meta servers have one): what `cluster status` shows. */
export async function probeKvServers(manifest: ClusterManifest): Promise<KvProbe[]> {
  const servers = manifest.nodes.filter((n) => n.role === 'kv');
  if (servers.length === 0) return [];
  const scratch = await mkdtemp(join(tmpdir(), 'flyer-kv-probe-'));
  const env = createRealEnv({
    nodeId: `kv-probe-${process.pid}`, dataDir: scratch, logLevel: 'error',
    peers: Object.fromEntries(servers.map((s) => [s.id, { host: s.host, port: s.port }])),
  });
  try {
    await env.start();
    return await Promise.all(servers.map(async (server): Promise<KvProbe> => {
      try {
        await env.rpc.call(server.id, kvHello, {}, { timeoutNs: PROBE_TIMEOUT_NS });
        return { node: server.id, serving: true };
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        return { node: server.id, serving: false, error: error.fullCode };
      }
    }));
  } finally {
    await env.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
