/**
 * StorageService.start options, with 3FS's defaults where 3FS has one (3fs-notes §1.3, §2) and every
 * queue bounded.
 */
import type { TargetId } from '../mgmtd/types.ts';
import type { HeartbeatSink, RoutingSource } from './routing-source.ts';

export interface StorageTargetConfig {
  readonly targetId: TargetId;
  /** Directory (real) or disk prefix (sim) of the target's chunk store. */
  readonly path: string;
  /** Create the store if it does not exist (default true). */
  readonly create?: boolean;
}

export interface ForwardOptions {
  /** Deadline of one forward attempt to the successor. */
  readonly attemptTimeoutNs?: number;
  /** First wait between attempts; doubles up to `backoffNsMax` (3FS: 100 ms, 1 s). */
  readonly backoffNs?: number;
  readonly backoffNsMax?: number;
  /** Give up (and fail the update) after this long (3FS: 60 s). */
  readonly totalTimeoutNs?: number;
}

export interface ResyncOptions {
  /** How often chains with a SYNCING successor are looked for (3FS: 500 ms). */
  readonly scanIntervalNs?: number;
  /** A failed resync of a chain is tried again no sooner than this (3FS: 30 s). */
  readonly retryAfterNs?: number;
  /** Chunks sent at once per chain. */
  readonly concurrency?: number;
  /** Deadline of each syncStart / chunk / syncDone call. */
  readonly callTimeoutNs?: number;
  /** Send every chunk, not just the ones that differ (3FS full_sync_level). */
  readonly fullSync?: boolean;
}

export interface StorageServiceOptions {
  readonly targets: readonly StorageTargetConfig[];
  readonly routing: RoutingSource;
  readonly heartbeat: HeartbeatSink;
  /** Report interval once every target is past startup fencing (3FS: 10 s). */
  readonly heartbeatIntervalNs?: number;
  /** Report (and routing refresh) interval while a target is fenced (3FS: 1 s). */
  readonly fencingIntervalNs?: number;
  readonly forward?: ForwardOptions;
  readonly resync?: ResyncOptions;
  /** Batch reads reading from disk at once on this node; more wait (default 64). */
  readonly readConcurrency?: number;
  /** Batch reads pushing data to clients at once (3FS max_concurrent_rdma_writes; default 256). */
  readonly pushConcurrency?: number;
  /** Client writes processed at once by this node's head targets; more wait (default 64). */
  readonly writeConcurrency?: number;
  /** Requests allowed to wait for a read or write slot before STORAGE_OVERLOADED (default 4096). */
  readonly queuedRequestsMax?: number;
  /** Ios one batch read may carry (default 1024). */
  readonly readIosMax?: number;
  /**
   * Request-to-send (3fs-notes §2): how long to wait for the client's grant before pushing read data
   * anyway. 0 disables the gate even when a request asks for it (default 1 s).
   */
  readonly requestToSendTimeoutNs?: number;
  /** Refuse client requests from nodes missing from a non-empty routing node list (default false). */
  readonly rejectUnknownClients?: boolean;
  /** Reads must carry the chain version this node routes by (3FS batch_read_ignore_chain_version = false). */
  readonly checkReadChainVersion?: boolean;
  /** Checksum read data for ReadOutcome.crc32c (default true). */
  readonly readChecksums?: boolean;
  /** Exactly-once entries kept; the oldest are forgotten first (default 1 Mi). */
  readonly channelTableEntriesMax?: number;
}

export type ResolvedOptions = Required<Omit<StorageServiceOptions, 'forward' | 'resync'>> & {
  readonly forward: Required<ForwardOptions>;
  readonly resync: Required<ResyncOptions>;
};

export function resolveOptions(options: StorageServiceOptions): ResolvedOptions {
  return {
    ...options,
    heartbeatIntervalNs: options.heartbeatIntervalNs ?? 10_000_000_000,
    fencingIntervalNs: options.fencingIntervalNs ?? 1_000_000_000,
    readConcurrency: options.readConcurrency ?? 64,
    pushConcurrency: options.pushConcurrency ?? 256,
    writeConcurrency: options.writeConcurrency ?? 64,
    queuedRequestsMax: options.queuedRequestsMax ?? 4096,
    readIosMax: options.readIosMax ?? 1024,
    requestToSendTimeoutNs: options.requestToSendTimeoutNs ?? 1_000_000_000,
    rejectUnknownClients: options.rejectUnknownClients ?? false,
    checkReadChainVersion: options.checkReadChainVersion ?? true,
    readChecksums: options.readChecksums ?? true,
    channelTableEntriesMax: options.channelTableEntriesMax ?? 1 << 20,
    forward: {
      attemptTimeoutNs: options.forward?.attemptTimeoutNs ?? 1_000_000_000,
      backoffNs: options.forward?.backoffNs ?? 100_000_000,
      backoffNsMax: options.forward?.backoffNsMax ?? 1_000_000_000,
      totalTimeoutNs: options.forward?.totalTimeoutNs ?? 60_000_000_000,
    },
    resync: {
      scanIntervalNs: options.resync?.scanIntervalNs ?? 500_000_000,
      retryAfterNs: options.resync?.retryAfterNs ?? 30_000_000_000,
      concurrency: options.resync?.concurrency ?? 16,
      callTimeoutNs: options.resync?.callTimeoutNs ?? 10_000_000_000,
      fullSync: options.resync?.fullSync ?? false,
    },
  };
}
