import type { MgmtdClientOptions } from '../../services/mgmtd/mgmtd-client.ts';
import type { NodeConfig } from '../node-config.ts';

const REGISTER_RETRY_NS_DEFAULT = 500_000_000;

/**
 * The manager client of a service process, from [cluster] mgmtd and [mgmtd_client]: a tuning field the
 * config leaves out keeps the client's own default.
 */
export function mgmtdClientOptions(config: NodeConfig): MgmtdClientOptions {
  const { refreshIntervalNs, callTimeoutNs } = config.mgmtdClient;
  return {
    managers: config.mgmtd.map((m) => m.id),
    ...(refreshIntervalNs !== undefined ? { refreshIntervalNs } : {}),
    ...(callTimeoutNs !== undefined ? { callTimeoutNs } : {}),
  };
}

/** The pause between registration attempts while no manager answers yet. */
export function registerRetryNs(config: NodeConfig): number {
  return config.mgmtdClient.registerRetryNs ?? REGISTER_RETRY_NS_DEFAULT;
}
