import { FlyerError } from '../../env/errors.ts';

/**
 * Cluster-manager settings. Defaults are 3FS's (`src/mgmtd/service/MgmtdConfig.h`); tests and
 * simulations shorten them (e.g. heartbeat fail 1 s instead of 60 s).
 */
export interface MgmtdOptions {
  /** Name passed to `env.openKv` (default `mgmtd`). All managers of a cluster share this KV. */
  readonly kvName?: string;
  /** How long a lease lasts from its last extension (3FS lease_length, 60 s). */
  readonly leaseLengthNs?: number;
  /** How often every manager tries to take or extend the lease (3FS extend_lease_interval, 10 s). */
  readonly extendLeaseIntervalNs?: number;
  /** After taking over, no chain changes for this long, so heartbeats can arrive (3FS bootstrapping_length, 2 min). */
  readonly bootstrappingNs?: number;
  /** A chain created by setChains is left alone this long (3FS new_chain_bootstrap_interval, 2 min). */
  readonly newChainBootstrapNs?: number;
  /** A node silent this long is HEARTBEAT_FAILED and its targets OFFLINE (3FS heartbeat_fail_interval, 60 s). */
  readonly heartbeatFailNs?: number;
  /** How often failure detection runs (3FS check_status_interval, 10 s). */
  readonly checkIntervalNs?: number;
  /** How often the chain state machine runs (3FS update_chains_interval, 1 s). */
  readonly updateChainsIntervalNs?: number;
  /** A heartbeat's wall clock must be within this of ours (3FS heartbeat_timestamp_valid_window, 30 s; 0 = no check). */
  readonly heartbeatClockWindowNs?: number;
  /** Accept heartbeats from nodes that never registered, registering them (3FS default false). */
  readonly allowUnregisteredHeartbeat?: boolean;
  /** Ignore target reports carrying an older chain version than the chain's (3FS default true). */
  readonly ignoreStaleTargetReports?: boolean;
  /** A client session not extended for this long expires (3FS client_session_timeout, 20 min). */
  readonly clientSessionTimeoutNs?: number;
  /** Retries of a conflicted KV transaction. */
  readonly kvMaxRetries?: number;
}

export type ResolvedMgmtdOptions = Required<MgmtdOptions>;

const SECOND_NS = 1_000_000_000;

export const MGMTD_DEFAULTS: ResolvedMgmtdOptions = {
  kvName: 'mgmtd',
  leaseLengthNs: 60 * SECOND_NS,
  extendLeaseIntervalNs: 10 * SECOND_NS,
  bootstrappingNs: 120 * SECOND_NS,
  newChainBootstrapNs: 120 * SECOND_NS,
  heartbeatFailNs: 60 * SECOND_NS,
  checkIntervalNs: 10 * SECOND_NS,
  updateChainsIntervalNs: 1 * SECOND_NS,
  heartbeatClockWindowNs: 30 * SECOND_NS,
  allowUnregisteredHeartbeat: false,
  ignoreStaleTargetReports: true,
  clientSessionTimeoutNs: 20 * 60 * SECOND_NS,
  kvMaxRetries: 100,
};

export function resolveMgmtdOptions(options: MgmtdOptions = {}): ResolvedMgmtdOptions {
  const resolved = { ...MGMTD_DEFAULTS, ...stripUndefined(options) };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof MGMTD_DEFAULTS[name as keyof MgmtdOptions] !== 'number') continue;
    const zeroOk = name === 'heartbeatClockWindowNs' || name === 'bootstrappingNs' || name === 'newChainBootstrapNs' || name === 'kvMaxRetries';
    if (!Number.isSafeInteger(value) || (value as number) < (zeroOk ? 0 : 1)) {
      throw new FlyerError('INVALID_ARGUMENT', `mgmtd option ${name} must be a ${zeroOk ? 'non-negative' : 'positive'} integer, got ${String(value)}`);
    }
  }
  // A lease extended less often than it lasts would lapse between extensions.
  if (resolved.extendLeaseIntervalNs >= resolved.leaseLengthNs) {
    throw new FlyerError('INVALID_ARGUMENT', `extendLeaseIntervalNs (${resolved.extendLeaseIntervalNs}) must be below leaseLengthNs (${resolved.leaseLengthNs})`);
  }
  if (typeof resolved.kvName !== 'string' || resolved.kvName.length === 0) throw new FlyerError('INVALID_ARGUMENT', 'kvName must be a non-empty string');
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
