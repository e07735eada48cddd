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
 * mapped_reads = true              # with direct_io = false: large reads lend the page cache's bytes
 * sync_data = true
 * verify_reads = "always"          # never | whole-chunk | always
 * io_backend = "io_uring"          # io_uring | threads
 * io_threads = 64
 * capacity_bytes = 0               # 0: the file system's capacity
 * checkpoint_bytes = 67108864
 *
 * [meta]                           # metadata server processes
 * heartbeat_interval_ms = 10000    # META heartbeats to the manager
 * gc_delay_ms = 300000             # a removed file's chunks stay this long (3FS gc_file_delay)
 * gc_interval_ms = 1000            # GC scan period
 * gc_batch = 256                   # GC entries looked at per scan
 * stamp_interval_ms = 1000         # "this server is alive" record in the KV
 * server_timeout_ms = 10000        # a server not stamped this long is no longer active
 * maintenance_interval_ms = 30000  # idempotency records, expired trash
 * [meta.root_layout]               # the root directory's layout when the namespace is first created
 * table_id = 1
 * table_version = 0                # 0: the newest version of the table at create time
 * chunk_size_bytes = 1048576       # a power of two, at least 4096
 * stripe_size = 16                 # chains each file cycles over (capped at the table's chain count)
 * ```
 */
import { FlyerError } from '../../env/errors.ts';
import type { NativeEngineOptions } from '../../real/chunk-engine/index.ts';
import type { MgmtdOptions } from '../../services/mgmtd/mgmtd-options.ts';
import type { MetaServiceOptions } from '../../services/meta/meta-service.ts';
import { validateLayout } from '../../services/client/layout.ts';
import type { DirectoryLayout } from '../../services/meta/types.ts';
import type { StorageServiceOptions } from '../../services/storage/options.ts';
import { configError, type ConfigTable } from './config-table.ts';

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
    mappedReads: t.boolean('mapped_reads'),
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

/** The [meta] table: MetaService options plus how often the server heartbeats to the manager. */
export type MetaTuning = Pick<MetaServiceOptions, 'gcDelayNs' | 'gcIntervalNs' | 'gcBatch' | 'stampIntervalNs' | 'serverTimeoutNs' | 'maintenanceIntervalNs'> & {
  readonly heartbeatIntervalNs?: number;
  /** Absent: the service's default (3FS deploy guide: table 1, 1 MiB chunks, stripe 16). */
  readonly rootLayout?: DirectoryLayout;
};

export function metaTuningOf(t: ConfigTable): MetaTuning {
  const root = t.table('root_layout');
  const tuning: MetaTuning = defined({
    heartbeatIntervalNs: t.durationMs('heartbeat_interval_ms'),
    gcDelayNs: t.durationMs('gc_delay_ms', { zeroOk: true }),
    gcIntervalNs: t.durationMs('gc_interval_ms'),
    gcBatch: t.integer('gc_batch', { min: 1, max: 65_536 }),
    stampIntervalNs: t.durationMs('stamp_interval_ms'),
    serverTimeoutNs: t.durationMs('server_timeout_ms'),
    maintenanceIntervalNs: t.durationMs('maintenance_interval_ms'),
    rootLayout: Object.keys(root.values).length > 0 ? rootLayoutOf(root) : undefined,
  });
  t.rejectUnknown();
  return tuning;
}

/** [meta.root_layout]: absent keys take the 3FS deploy-guide values; the whole must be a valid layout. */
function rootLayoutOf(t: ConfigTable): DirectoryLayout {
  const layout: DirectoryLayout = {
    tableId: t.integer('table_id', { min: 1 }) ?? 1,
    tableVersion: t.integer('table_version') ?? 0,
    chunkSizeBytes: t.integer('chunk_size_bytes', { min: 4096, max: 2 ** 32 }) ?? 1 << 20,
    stripeSize: t.integer('stripe_size', { min: 1, max: 4096 }) ?? 16,
  };
  t.rejectUnknown();
  try {
    validateLayout({ ...layout, baseIndex: 0, shuffleSeed: 0 });
  } catch (error) {
    configError(`${t.name}: ${error instanceof FlyerError ? error.detail : String(error)}`);
  }
  return layout;
}

/** Drops undefined fields, so a service's `options.x ?? default` sees only what the file set. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
