/**
 * A client process's view of a test cluster, for tests that call the services directly instead of
 * through the CLI: an env that can reach every node of the cluster's manifest, and a manager client
 * that has fetched routing once. Both are closed in t.teardown.
 */
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { readManifest } from '../../system/cli/cluster/cluster-manifest.ts';
import { createRealEnv, type PeerAddress, type RealEnv } from '../../system/real/real-env.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';

const MS = 1_000_000;

export interface ClusterClient {
  readonly env: RealEnv;
  readonly mgmtd: MgmtdClient;
}

/** `nodeId` names the client in logs and RPC; its data directory is `<dir>/client`. */
export async function connectClusterClient(t: ExecutionContext, dir: string, nodeId: string): Promise<ClusterClient> {
  const peers: Record<string, PeerAddress> = {};
  for (const node of readManifest(dir).nodes) peers[node.id] = { host: node.host, port: node.port };
  const env = createRealEnv({ nodeId, peers, dataDir: join(dir, 'client'), logLevel: 'error' });
  await env.start();
  const mgmtd = MgmtdClient.start(env, { managers: ['mgmtd-1'], refreshIntervalNs: 200 * MS, callTimeoutNs: 1000 * MS });
  t.teardown(async () => {
    mgmtd.stop();
    await env.close();
  });
  await mgmtd.refresh();
  return { env, mgmtd };
}
