/**
 * The transactional ordered key-value interface (what FoundationDB gives 3FS): serializable
 * transactions over byte keys, snapshot and range reads, automatic retry on conflict.
 */
export interface KvPair {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface KvRangeOptions {
  readonly limit?: number;
  readonly reverse?: boolean;
  /** Snapshot reads add no read conflict. */
  readonly snapshot?: boolean;
}

export interface KvTransaction {
  get(key: Uint8Array, options?: { snapshot?: boolean }): Promise<Uint8Array | undefined>;
  /** Keys in [begin, end). */
  getRange(begin: Uint8Array, end: Uint8Array, options?: KvRangeOptions): Promise<KvPair[]>;
  set(key: Uint8Array, value: Uint8Array): void;
  clear(key: Uint8Array): void;
  clearRange(begin: Uint8Array, end: Uint8Array): void;
}

export interface KvStore {
  /** Runs `body` in a serializable transaction, retrying it on conflict up to `maxRetries` times. */
  transact<T>(body: (txn: KvTransaction) => Promise<T>, options?: { maxRetries?: number }): Promise<T>;
  close(): Promise<void>;
}
