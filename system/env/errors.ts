/**
 * The one catalogue of Flyer error codes. Every failure that crosses a module boundary is a
 * {@link FlyerError} carrying one of these codes, so callers branch on `code`, never on message text.
 * Codes are stable: they travel over the wire and appear in logs, so never renumber or rename one.
 */
export const ErrorCodes = {
  // Generic.
  INVALID_ARGUMENT: { wire: 1, message: 'invalid argument' },
  ASSERTION: { wire: 2, message: 'internal assertion failed' },
  NOT_IMPLEMENTED: { wire: 3, message: 'not implemented' },
  ABORTED: { wire: 4, message: 'operation aborted' },
  NON_DETERMINISM: { wire: 5, message: 'non-deterministic API used in simulation' },
  // RPC and framing.
  RPC_TIMEOUT: { wire: 100, message: 'rpc deadline exceeded' },
  RPC_UNREACHABLE: { wire: 101, message: 'node unreachable' },
  RPC_UNKNOWN_METHOD: { wire: 102, message: 'unknown rpc method' },
  RPC_FRAME_CHECKSUM: { wire: 103, message: 'rpc frame checksum mismatch' },
  RPC_FRAME_TOO_LARGE: { wire: 104, message: 'rpc frame exceeds the size limit' },
  RPC_FRAME_MALFORMED: { wire: 105, message: 'rpc frame is malformed' },
  RPC_CONNECTION_CLOSED: { wire: 106, message: 'rpc connection closed' },
  RPC_HANDLER_FAILED: { wire: 107, message: 'rpc handler failed' },
  RPC_UNKNOWN_REGION: { wire: 108, message: 'unknown bulk-transfer region' },
  RPC_REGION_BOUNDS: { wire: 109, message: 'bulk transfer outside its region' },
  RPC_DEADLINE_PASSED: { wire: 110, message: 'request arrived after its deadline' },
  // Disks and files.
  DISK_IO_ERROR: { wire: 200, message: 'disk i/o error' },
  DISK_NOT_FOUND: { wire: 201, message: 'file not found' },
  DISK_FULL: { wire: 202, message: 'disk full' },
  // Chunk engine.
  CHUNK_NOT_FOUND: { wire: 400, message: 'chunk not found' },
  CHUNK_INVALID_ID: { wire: 401, message: 'chunk id must be 16 bytes' },
  CHUNK_OUT_OF_RANGE: { wire: 402, message: 'range outside the chunk' },
  CHUNK_TOO_LARGE: { wire: 403, message: 'chunk size or write exceeds the size limit' },
  CHUNK_CHECKSUM_MISMATCH: { wire: 404, message: 'chunk data on disk does not match its checksum' },
  CHUNK_PAYLOAD_CHECKSUM: { wire: 405, message: 'payload does not match the checksum sent with it' },
  CHUNK_NO_SPACE: { wire: 406, message: 'no space for the chunk' },
  CHUNK_READ_ONLY: { wire: 407, message: 'chunk engine is read-only' },
  CHUNK_COMMITTED_UPDATE: { wire: 408, message: 'update version already committed' },
  CHUNK_MISSING_UPDATE: { wire: 409, message: 'update version skips a version' },
  CHUNK_CHAIN_VERSION_MISMATCH: { wire: 410, message: 'chain version older than the stored one' },
  CHUNK_COMMIT_MISMATCH: { wire: 411, message: 'no pending version with that update version' },
  CHUNK_BUSY: { wire: 412, message: 'another operation on the chunk is in flight' },
  CHUNK_ENGINE_IO: { wire: 413, message: 'chunk engine i/o error' },
  CHUNK_ENGINE_CLOSED: { wire: 414, message: 'chunk engine is closed' },
  CHUNK_ENGINE_LOCKED: { wire: 415, message: 'chunk engine directory is in use' },
  CHUNK_METADATA_CORRUPT: { wire: 416, message: 'chunk engine metadata is corrupt' },
  CHUNK_ENGINE_UNAVAILABLE: { wire: 417, message: 'native chunk engine library is not available' },
  CHUNK_ENGINE_FAILED: { wire: 418, message: 'chunk engine failed and must be reopened' },
  // Cluster manager.
  MGMTD_NOT_PRIMARY: { wire: 500, message: 'this manager is not the primary' },
  MGMTD_HEARTBEAT_STALE: { wire: 501, message: 'heartbeat version is stale' },
  MGMTD_CLOCK_SKEW: { wire: 502, message: 'heartbeat timestamp outside the allowed window' },
  MGMTD_NODE_UNKNOWN: { wire: 503, message: 'node is not registered' },
  MGMTD_TARGET_UNKNOWN: { wire: 504, message: 'unknown target' },
  MGMTD_CHAIN_UNKNOWN: { wire: 505, message: 'unknown chain' },
  MGMTD_CHAIN_INVALID: { wire: 506, message: 'invalid chain change' },
  MGMTD_LEASE_LOST: { wire: 507, message: 'the primary lease was lost' },
  MGMTD_BOOTSTRAPPING: { wire: 508, message: 'the manager is bootstrapping' },
  // Storage service.
  STORAGE_ROUTING_VERSION_MISMATCH: { wire: 600, message: 'request routed with a different chain version' },
  STORAGE_NOT_HEAD: { wire: 601, message: 'client writes go to the head of the chain' },
  STORAGE_TARGET_NOT_SERVING: { wire: 602, message: 'target is not serving this operation' },
  STORAGE_TARGET_UNKNOWN: { wire: 603, message: 'no such target on this node' },
  STORAGE_DUPLICATE_UPDATE: { wire: 604, message: 'update sequence number already superseded' },
  STORAGE_CHANNEL_BUSY: { wire: 605, message: 'update channel is busy' },
  STORAGE_CHECKSUM_MISMATCH: { wire: 606, message: 'replicas disagree on the chunk checksum' },
  STORAGE_CLIENT_UNKNOWN: { wire: 607, message: 'request from an unregistered client' },
  STORAGE_NO_SUCCESSOR: { wire: 608, message: 'no successor to forward to' },
  STORAGE_OVERLOADED: { wire: 609, message: 'too many requests in flight' },
  STORAGE_CHUNK_NOT_COMMITTED: { wire: 610, message: 'chunk has an update in flight on this replica; read from the tail' },
  STORAGE_CHUNK_RANGE_INVALID: { wire: 620, message: 'chunk id range ends before it begins' },
  // Storage client.
  CLIENT_NO_ROUTING: { wire: 650, message: 'no routing information yet' },
  CLIENT_NO_SERVING_TARGET: { wire: 651, message: 'no serving target for the chain' },
  CLIENT_RETRIES_EXHAUSTED: { wire: 652, message: 'retries exhausted' },
  CLIENT_READ_CHECKSUM: { wire: 653, message: 'read data does not match its checksum' },
  // Transactional KV.
  KV_CONFLICT: { wire: 700, message: 'transaction conflicted with a concurrent commit and retries ran out' },
  KV_TRANSACTION_TOO_OLD: { wire: 701, message: 'transaction read version is older than the store keeps' },
  KV_TRANSACTION_DONE: { wire: 702, message: 'transaction used after it finished' },
  KV_STORE_CLOSED: { wire: 703, message: 'kv store is closed' },
  KV_KEY_TOO_LARGE: { wire: 704, message: 'kv key exceeds the size limit' },
  KV_VALUE_TOO_LARGE: { wire: 705, message: 'kv value exceeds the size limit' },
  KV_TRANSACTION_TOO_LARGE: { wire: 706, message: 'transaction writes exceed the size limit' },
  KV_INVERTED_RANGE: { wire: 707, message: 'range end is before its begin' },
  KV_TRANSACTION_UNKNOWN: { wire: 708, message: 'the kv service does not know the transaction (expired, or the service restarted)' },
  KV_COMMIT_UNKNOWN_RESULT: { wire: 709, message: 'the commit may or may not have been applied (the kv service was lost mid-commit)' },
  KV_UNAVAILABLE: { wire: 710, message: 'the kv service is unreachable' },
  KV_TOO_MANY_TRANSACTIONS: { wire: 711, message: 'the kv service has too many open transactions' },
  KV_TOO_MANY_STORES: { wire: 712, message: 'the kv service has too many named stores' },
  // Cluster launcher (flyer cluster: processes of a cluster started and stopped together).
  CLUSTER_NOT_FOUND: { wire: 800, message: 'no cluster in that directory' },
  CLUSTER_NODE_START_FAILED: { wire: 801, message: 'a cluster node did not start' },
  CLUSTER_NOT_READY: { wire: 802, message: 'the cluster did not become ready in time' },
  CLUSTER_PARTLY_RUNNING: { wire: 803, message: 'some processes of the cluster are running, others not' },
  // Metadata service (POSIX-style: the errno each maps to is in the message's brackets).
  META_NOT_FOUND: { wire: 1200, message: 'no such file or directory [ENOENT]' },
  META_EXISTS: { wire: 1201, message: 'file exists [EEXIST]' },
  META_NOT_DIRECTORY: { wire: 1202, message: 'not a directory [ENOTDIR]' },
  META_IS_DIRECTORY: { wire: 1203, message: 'is a directory [EISDIR]' },
  META_NOT_EMPTY: { wire: 1204, message: 'directory not empty [ENOTEMPTY]' },
  META_INVALID_NAME: { wire: 1205, message: 'invalid file name [EINVAL]' },
  META_NAME_TOO_LONG: { wire: 1206, message: 'file name or path too long [ENAMETOOLONG]' },
  META_SYMLINK_LOOP: { wire: 1207, message: 'too many levels of symbolic links [ELOOP]' },
  META_RENAME_INTO_SELF: { wire: 1208, message: 'cannot move a directory into itself or a descendant [EINVAL]' },
  META_BUSY: { wire: 1209, message: 'resource busy [EBUSY]' },
  META_BAD_SESSION: { wire: 1210, message: 'no such write session [EBADF]' },
  META_NOT_FILE: { wire: 1211, message: 'not a regular file [EINVAL]' },
  META_INVALID_LAYOUT: { wire: 1212, message: 'invalid file layout [EINVAL]' },
  META_TOO_MANY_LINKS: { wire: 1213, message: 'too many links [EMLINK]' },
  META_CROSS_DEVICE: { wire: 1214, message: 'operation not allowed on this inode [EXDEV]' },
  META_NO_SERVER: { wire: 1215, message: 'no metadata server reachable' },
  META_BAD_FILE_HANDLE: { wire: 1216, message: 'file handle is closed or not open for this operation [EBADF]' },
  // Simulation.
  SIM_NODE_UNKNOWN: { wire: 300, message: 'unknown simulated node' },
  SIM_DEADLOCK: { wire: 301, message: 'simulation has pending work but no events' },
  SIM_LIVELOCK: { wire: 302, message: 'too many events at one instant' },
  // Toy replicated counter.
  TOY_NOT_LEADER: { wire: 900, message: 'node is not the leader' },
  TOY_REPLICATION_FAILED: { wire: 901, message: 'replication did not reach every follower' },
  // GraySort tools (system/graysort: gensort, valsort and the native sort engine).
  SORT_TOOLS_UNAVAILABLE: { wire: 1000, message: 'native sort tools are not built (run npm run build:native)' },
  SORT_TOOL_FAILED: { wire: 1001, message: 'a native sort tool failed' },
  SORT_INVALID_INPUT: { wire: 1002, message: 'input is not a file of whole 100-byte records' },
  VALSORT_UNORDERED: { wire: 1003, message: 'records are not in key order' },
  VALSORT_CHECKSUM_MISMATCH: { wire: 1004, message: 'checksum of the sorted records differs from the input checksum' },
  // Workload reports (system/report: charts, SVG/PNG and the HTML page of a run).
  REPORT_INVALID_SERIES: { wire: 1100, message: 'measured series is not valid for a chart' },
  REPORT_INVALID_CHART: { wire: 1101, message: 'chart or report description is not valid' },
  REPORT_REFERENCE_MISSING: { wire: 1102, message: 'reference figure file not found' },
  REPORT_RENDER_FAILED: { wire: 1103, message: 'chart rendering failed' },
  REPORT_BUNDLE_MISSING: { wire: 1104, message: 'browser bundle of a charting library not found' },
  // KVCache workload (system/workloads/kvcache: Mooncake-format traces, block files, GC).
  KVCACHE_TRACE_INVALID: { wire: 1300, message: 'KVCache trace has a malformed or truncated record' },
  KVCACHE_TRACE_MISSING: { wire: 1301, message: 'KVCache trace file not found' },
  KVCACHE_BLOCK_MISMATCH: { wire: 1302, message: 'a KVCache block read back differs from what was written' },
} as const satisfies Record<string, { wire: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

const codeByWire = new Map<number, ErrorCode>(
  (Object.keys(ErrorCodes) as ErrorCode[]).map((code) => [ErrorCodes[code].wire, code]),
);

const brand = Symbol.for('flyer.error');

/** An error with a stable code from {@link ErrorCodes}; the detail says what, where and with which values. */
export class FlyerError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  /**
   * True when another node reported this error over RPC: a remote FLYER_ERR_DISK_IO_ERROR says the
   * peer's disk failed, not ours, and must never be handled as a local fault.
   */
  remote = false;
  readonly [brand] = true;

  constructor(code: ErrorCode, detail = '', options?: { cause?: unknown }) {
    super(`FLYER_ERR_${code}: ${ErrorCodes[code].message}${detail ? `: ${detail}` : ''}`, options);
    this.name = 'FlyerError';
    this.code = code;
    this.detail = detail;
  }

  /** The full, user-facing code string, e.g. `FLYER_ERR_RPC_TIMEOUT`. */
  get fullCode(): string {
    return `FLYER_ERR_${this.code}`;
  }

  get wireCode(): number {
    return ErrorCodes[this.code].wire;
  }

  /** Works across duplicated module copies (undici's trick), unlike a plain instanceof. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** An error another node sent back: marked `remote`. */
  static fromWire(wire: number, detail: string): FlyerError {
    const code = codeByWire.get(wire);
    const error = code ? new FlyerError(code, detail) : new FlyerError('RPC_HANDLER_FAILED', `unknown wire code ${wire}: ${detail}`);
    error.remote = true;
    return error;
  }
}

export function isFlyerError(value: unknown, code?: ErrorCode): value is FlyerError {
  return value instanceof FlyerError && (code === undefined || value.code === code);
}

/** Converts anything thrown into a FlyerError, keeping coded errors as they are. */
export function toFlyerError(value: unknown, fallback: ErrorCode = 'RPC_HANDLER_FAILED'): FlyerError {
  if (value instanceof FlyerError) return value;
  const detail = value instanceof Error ? value.message : String(value);
  return new FlyerError(fallback, detail, { cause: value });
}
