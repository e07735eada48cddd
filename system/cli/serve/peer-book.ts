import type { PeerAddress, RealEnvOptions } from '../../real/real-env.ts';
import type { NodeConfig } from '../node-config.ts';

/**
 * The address book of a service process: routing names nodes by id only, so every node a process calls
 * (managers, chain successors, its kv server) must be listed in its config.
 */
export function peerBook(config: Pick<NodeConfig, 'mgmtd' | 'peers'> & Partial<Pick<NodeConfig, 'kv'>>): Record<string, PeerAddress> {
  const book: Record<string, PeerAddress> = {};
  for (const peer of [...config.mgmtd, ...config.peers, ...(config.kv ?? [])]) book[peer.id] = { host: peer.host, port: peer.port };
  return book;
}

/** The RealEnv options every service process derives from its config; the role adds its factories. */
export function realEnvBase(config: NodeConfig): Pick<RealEnvOptions, 'nodeId' | 'listen' | 'peers' | 'dataDir' | 'logLevel' | 'metricsPort'> {
  return {
    nodeId: config.nodeId,
    listen: config.listen,
    peers: peerBook(config),
    dataDir: config.dataDir,
    logLevel: config.logLevel,
    ...(config.metricsPort !== undefined ? { metricsPort: config.metricsPort } : {}),
  };
}
