import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import { createRealEnv, type PeerAddress, type RealEnv } from '../../real/real-env.ts';
import { scratchRoot } from '../../real/scratch-root.ts';
import { StorageClient } from '../../services/client/storage-client.ts';
import { FlyerFs } from '../../services/fs/flyer-fs.ts';
import { MetaClient } from '../../services/meta/meta-client.ts';
import { MgmtdClient } from '../../services/mgmtd/mgmtd-client.ts';
import { metaServersOf, readManifest } from '../cluster/cluster-manifest.ts';

const MS = 1_000_000;

/**
 * A file-system client for one CLI command against a cluster started with `flyer cluster up`: a RealEnv
 * with a scratch data directory, a MgmtdClient for routing (fetched once now; refreshed on demand when
 * a chain table or a chain is not found), a StorageClient for file data, a MetaClient over the
 * cluster's meta servers, and the FlyerFs on top. Everything is closed when the body ends.
 */
export interface FsSession {
  readonly env: RealEnv;
  readonly fs: FlyerFs;
  readonly meta: MetaClient;
}

export interface FsSessionOptions {
  /** The cluster directory (its cluster.json names every node). */
  readonly dir: string;
  /** How long a metadata or storage call may keep retrying before it fails (default 10 s). */
  readonly timeoutMs?: number;
}

export async function withFs<T>(options: FsSessionOptions, body: (session: FsSession) => Promise<T>): Promise<T> {
  const dir = resolve(options.dir);
  const manifest = readManifest(dir);
  const metaServers = metaServersOf(manifest);
  if (metaServers.length === 0) {
    throw new FlyerError('META_NO_SERVER', `the cluster in ${dir} has no meta server (it was created before clusters had one): recreate it in a new directory`);
  }
  const timeoutNs = (options.timeoutMs ?? 10_000) * MS;
  const peers: Record<string, PeerAddress> = {};
  for (const node of manifest.nodes) peers[node.id] = { host: node.host, port: node.port };
  const scratch = await mkdtemp(join(scratchRoot(), 'flyer-fs-'));
  // Unique per run: storage keys update channels by client id, and meta names write sessions after it.
  const clientId = `fs-${process.pid}-${randomBytes(4).toString('hex')}`;
  const env = createRealEnv({ nodeId: clientId, peers, dataDir: scratch, logLevel: 'error' });
  const mgmtd = MgmtdClient.start(env, { managers: manifest.nodes.filter((n) => n.role === 'mgmtd').map((n) => n.id), refreshIntervalNs: 0 });
  try {
    await env.start();
    await mgmtd.refresh();
    const storage = new StorageClient(env, {
      clientId, routing: mgmtd,
      retry: { attemptTimeoutNs: Math.min(timeoutNs, 5_000 * MS), attemptTimeoutNsMax: timeoutNs, totalTimeoutNs: timeoutNs, backoffNs: 50 * MS, backoffNsMax: 1_000 * MS },
    });
    const meta = new MetaClient(env, {
      servers: metaServers.map((m) => m.id),
      caller: { clientId, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
      attemptTimeoutNs: Math.min(timeoutNs, 5_000 * MS),
      totalTimeoutNs: timeoutNs,
    });
    return await body({ env, fs: new FlyerFs(env, meta, storage, mgmtd), meta });
  } catch (error) {
    throw explain(error, dir);
  } finally {
    mgmtd.stop();
    await env.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

const UNREACHABLE = new Set(['RPC_UNREACHABLE', 'RPC_TIMEOUT', 'RPC_CONNECTION_CLOSED', 'MGMTD_NOT_PRIMARY', 'MGMTD_BOOTSTRAPPING']);

/** Says which cluster did not answer, and how to look at it. */
function explain(error: unknown, dir: string): unknown {
  if (!isFlyerError(error) || !(UNREACHABLE.has(error.code) || error.code === 'META_NO_SERVER')) return error;
  return new FlyerError(error.code, `${error.detail} (is the cluster running? \`flyer cluster status --dir ${dir}\`)`, { cause: error });
}
