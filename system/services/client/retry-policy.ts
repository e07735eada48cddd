import type { ErrorCode } from '../../env/errors.ts';

/**
 * How the storage client treats each failure (3fs-notes §1.4 "Retries"): permanent errors go back to
 * the caller at once; routing errors refresh the routing and retry fast; everything else counts as a
 * failure of that target, backs off exponentially and fails over to another replica where possible.
 */
export type FailureClass = 'permanent' | 'reroute' | 'busy' | 'target';

// RPC_UNKNOWN_METHOD is not permanent: a node that is still starting has not registered its handlers yet.
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_ARGUMENT', 'CHUNK_NOT_FOUND', 'CHUNK_INVALID_ID', 'CHUNK_OUT_OF_RANGE', 'CHUNK_TOO_LARGE', 'CHUNK_PAYLOAD_CHECKSUM',
  'CHUNK_NO_SPACE', 'CHUNK_READ_ONLY', 'STORAGE_DUPLICATE_UPDATE', 'STORAGE_CLIENT_UNKNOWN', 'STORAGE_CHUNK_RANGE_INVALID', 'ASSERTION',
  'RPC_FRAME_TOO_LARGE',
]);

const REROUTE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'STORAGE_ROUTING_VERSION_MISMATCH', 'STORAGE_NOT_HEAD', 'STORAGE_TARGET_NOT_SERVING', 'STORAGE_TARGET_UNKNOWN',
  'MGMTD_CHAIN_UNKNOWN', 'MGMTD_TARGET_UNKNOWN', 'CLIENT_NO_SERVING_TARGET', 'CLIENT_NO_ROUTING',
]);

/** Transient conditions on a healthy replica: retry soon, without refreshing routing or failing over. */
const BUSY: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['STORAGE_CHUNK_NOT_COMMITTED', 'STORAGE_CHANNEL_BUSY', 'STORAGE_OVERLOADED']);

export function classifyFailure(code: ErrorCode): FailureClass {
  if (PERMANENT.has(code)) return 'permanent';
  if (BUSY.has(code)) return 'busy';
  if (REROUTE.has(code)) return 'reroute';
  return 'target';
}

export interface RetryOptions {
  /** First per-attempt timeout; doubles per attempt up to `attemptTimeoutNsMax`. */
  readonly attemptTimeoutNs: number;
  readonly attemptTimeoutNsMax: number;
  /** Give up after this much time in total. */
  readonly totalTimeoutNs: number;
  /** First backoff; doubles per attempt up to `backoffNsMax`; reroutes wait at most half the first. */
  readonly backoffNs: number;
  readonly backoffNsMax: number;
}

/** 3FS's client defaults are 10 s / 30 s / 60 s; simulations and tests pass shorter ones. */
export const DEFAULT_RETRY: RetryOptions = {
  attemptTimeoutNs: 10_000_000_000,
  attemptTimeoutNsMax: 30_000_000_000,
  totalTimeoutNs: 60_000_000_000,
  backoffNs: 100_000_000,
  backoffNsMax: 1_000_000_000,
};

export function attemptTimeoutNs(options: RetryOptions, attempt: number): number {
  return Math.min(options.attemptTimeoutNsMax, options.attemptTimeoutNs * 2 ** Math.min(attempt, 20));
}

export function backoffNs(options: RetryOptions, attempt: number, failure: FailureClass, jitter: number): number {
  const base = failure === 'reroute' || failure === 'busy' ? options.backoffNs / 2 : Math.min(options.backoffNsMax, options.backoffNs * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.5 + jitter / 2));
}
