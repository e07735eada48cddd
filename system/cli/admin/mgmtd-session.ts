import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import { createRealEnv, type PeerAddress, type RealEnv } from '../../real/real-env.ts';
import { MgmtdClient } from '../../services/mgmtd/mgmtd-client.ts';
import type { RoutingInfo } from '../../services/mgmtd/types.ts';

/**
 * A short-lived connection to the cluster manager for one CLI command: a RealEnv with no server of
 * interest (it listens on a free loopback port only because RealEnv always does), a scratch data
 * directory, and a MgmtdClient that does not poll. Failures to reach any manager come back as one
 * coded error that names the managers tried.
 */
export interface ManagerAddress {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

export interface MgmtdSession {
  readonly env: RealEnv;
  readonly client: MgmtdClient;
  /** The newest routing snapshot, fetched now. */
  routing(): Promise<RoutingInfo>;
}

export interface MgmtdSessionOptions {
  readonly managers: readonly ManagerAddress[];
  /** Deadline of each call to a manager (default 1 s). */
  readonly callTimeoutMs?: number;
}

export async function withMgmtd<T>(options: MgmtdSessionOptions, body: (session: MgmtdSession) => Promise<T>): Promise<T> {
  if (options.managers.length === 0) throw new FlyerError('INVALID_ARGUMENT', 'no manager given: pass --mgmtd id=host:port[,...] or --dir');
  const dataDir = await mkdtemp(join(tmpdir(), 'flyer-admin-'));
  const peers: Record<string, PeerAddress> = {};
  for (const m of options.managers) peers[m.id] = { host: m.host, port: m.port };
  const env = createRealEnv({ nodeId: `admin-${process.pid}`, peers, dataDir, logLevel: 'error' });
  const client = MgmtdClient.start(env, {
    managers: options.managers.map((m) => m.id), refreshIntervalNs: 0, callTimeoutNs: (options.callTimeoutMs ?? 1000) * 1_000_000,
  });
  const session: MgmtdSession = {
    env,
    client,
    routing: async () => {
      await client.refresh();
      const routing = client.routing();
      if (!routing) throw new FlyerError('CLIENT_NO_ROUTING', 'the manager sent no routing snapshot');
      return routing;
    },
  };
  try {
    await env.start();
    return await body(session);
  } catch (error) {
    throw explain(error, options.managers);
  } finally {
    client.stop();
    await env.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const UNREACHABLE = new Set(['RPC_UNREACHABLE', 'RPC_TIMEOUT', 'RPC_CONNECTION_CLOSED', 'RPC_DEADLINE_PASSED', 'MGMTD_NOT_PRIMARY', 'MGMTD_BOOTSTRAPPING']);

/** Adds which managers were tried to errors that mean "no manager answered". */
function explain(error: unknown, managers: readonly ManagerAddress[]): unknown {
  if (!isFlyerError(error) || !UNREACHABLE.has(error.code)) return error;
  const tried = managers.map((m) => `${m.id}=${m.host}:${m.port}`).join(', ');
  return new FlyerError(error.code, `no manager answered (tried ${tried}): ${error.detail}`, { cause: error });
}
