/**
 * The optional service tables of a node config, in milliseconds as people write them, turned into the
 * nanosecond options the services take. Anything absent keeps the service's own default (3FS's).
 *
 * ```toml
 * [mgmtd]                          # manager processes
 * lease_length_ms = 60000
 * extend_lease_interval_ms = 10000
 * bootstrapping_ms = 120000        # no chain changes this long after taking over
 * new_chain_bootstrap_ms = 120000
 * heartbeat_fail_ms = 60000        # a node silent this long is failed, its targets OFFLINE
 * check_interval_ms = 10000
 * update_chains_interval_ms = 1000
 * heartbeat_clock_window_ms = 30000
 * client_session_timeout_ms = 1200000
 * allow_unregistered_heartbeat = false
 *
 * [mgmtd_client]                   # how a storage process talks to the manager
 * refresh_interval_ms = 10000      # routing poll
 * call_timeout_ms = 1000
 * register_retry_ms = 500          # wait between registration attempts while no manager answers
 *
 * [storage]
 * heartbeat_interval_ms = 10000
 * fencing_interval_ms = 1000
 * read_concurrency = 64
 * write_concurrency = 64
 * [storage.forward]
 * attempt_timeout_ms = 1000
 * backoff_ms = 100
 * backoff_max_ms = 1000
 * total_timeout_ms = 60000
 * [storage.resync]
 * scan_interval_ms = 500
 * retry_after_ms = 30000
 * concurrency = 16
 * call_timeout_ms = 10000
 * full_sync = false
 * [storage.engine]                 # the native chunk engine
 * direct_io = true
 * sync_data = true
 * verify_reads = "always"          # never | whole-chunk | always
 * io_backend = "io_uring"          # io_uring | threads
 * io_threads = 64
 * capacity_bytes = 0               # 0: the file system's capacity
 * checkpoint_bytes = 67108864
 * ```
 */
import type { NativeEngineOptions } from '../../real/chunk-engine/index.ts';
import type { MgmtdOptions } from '../../services/mgmtd/mgmtd-options.ts';
import type { StorageServiceOptions } from '../../services/storage/options.ts';
import type { ConfigTable } from './config-table.ts';

export type StorageTuning = Omit<StorageServiceOptions, 'targets' | 'routing' | 'heartbeat'>;

export interface MgmtdClientTuning {
  readonly refreshIntervalNs?: number;
  readonly callTimeoutNs?: number;
  readonly registerRetryNs?: number;
}

export function mgmtdOptionsOf(t: ConfigTable): MgmtdOptions {
  const options: MgmtdOptions = defined({
    leaseLengthNs: t.durationMs('lease_length_ms'),
    extendLeaseIntervalNs: t.durationMs('extend_lease_interval_ms'),
    bootstrappingNs: t.durationMs('bootstrapping_ms', { zeroOk: true }),
    newChainBootstrapNs: t.durationMs('new_chain_bootstrap_ms', { zeroOk: true }),
    heartbeatFailNs: t.durationMs('heartbeat_fail_ms'),
    checkIntervalNs: t.durationMs('check_interval_ms'),
    updateChainsIntervalNs: t.durationMs('update_chains_interval_ms'),
    heartbeatClockWindowNs: t.durationMs('heartbeat_clock_window_ms', { zeroOk: true }),
    clientSessionTimeoutNs: t.durationMs('client_session_timeout_ms'),
    allowUnregisteredHeartbeat: t.boolean('allow_unregistered_heartbeat'),
  });
  t.rejectUnknown();
  return options;
}

export function mgmtdClientTuningOf(t: ConfigTable): MgmtdClientTuning {
  const tuning = defined({
    refreshIntervalNs: t.durationMs('refresh_interval_ms'),
    callTimeoutNs: t.durationMs('call_timeout_ms'),
    registerRetryNs: t.durationMs('register_retry_ms'),
  });
  t.rejectUnknown();
  return tuning;
}

/** The [storage] table minus its targets (read by the node config), as StorageService options. */
export function storageTuningOf(t: ConfigTable): StorageTuning {
  const forward = t.table('forward');
  const resync = t.table('resync');
  const tuning: StorageTuning = defined({
    heartbeatIntervalNs: t.durationMs('heartbeat_interval_ms'),
    fencingIntervalNs: t.durationMs('fencing_interval_ms'),
    readConcurrency: t.integer('read_concurrency', { min: 1 }),
    writeConcurrency: t.integer('write_concurrency', { min: 1 }),
    pushConcurrency: t.integer('push_concurrency', { min: 1 }),
    queuedRequestsMax: t.integer('queued_requests_max', { min: 1 }),
    readIosMax: t.integer('read_ios_max', { min: 1 }),
    requestToSendTimeoutNs: t.durationMs('request_to_send_timeout_ms', { zeroOk: true }),
    rejectUnknownClients: t.boolean('reject_unknown_clients'),
    checkReadChainVersion: t.boolean('check_read_chain_version'),
    readChecksums: t.boolean('read_checksums'),
    forward: defined({
      attemptTimeoutNs: forward.durationMs('attempt_timeout_ms'),
      backoffNs: forward.durationMs('backoff_ms'),
      backoffNsMax: forward.durationMs('backoff_max_ms'),
      totalTimeoutNs: forward.durationMs('total_timeout_ms'),
    }),
    resync: defined({
      scanIntervalNs: resync.durationMs('scan_interval_ms'),
      retryAfterNs: resync.durationMs('retry_after_ms'),
      concurrency: resync.integer('concurrency', { min: 1 }),
      callTimeoutNs: resync.durationMs('call_timeout_ms'),
      fullSync: resync.boolean('full_sync'),
    }),
  });
  forward.rejectUnknown();
  resync.rejectUnknown();
  return tuning;
}

export function engineOptionsOf(t: ConfigTable): NativeEngineOptions {
  const engine: NativeEngineOptions = defined({
    directIo: t.boolean('direct_io'),
    syncData: t.boolean('sync_data'),
    verifyReads: t.choice('verify_reads', ['never', 'whole-chunk', 'always'] as const),
    ioBackend: t.choice('io_backend', ['io_uring', 'threads'] as const),
    ioThreads: t.integer('io_threads', { min: 1, max: 1024 }),
    capacityBytes: t.integer('capacity_bytes'),
    checkpointBytes: t.integer('checkpoint_bytes', { min: 1 }),
    lowSpaceRatio: t.number('low_space_ratio', { above: 0, atMost: 1 }),
    rejectCreateRatio: t.number('reject_create_ratio', { above: 0, atMost: 1 }),
  });
  t.rejectUnknown();
  return engine;
}

/** Drops undefined fields, so a service's `options.x ?? default` sees only what the file set. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
