import { assert } from './assert.ts';
import { FlyerError, isFlyerError } from './errors.ts';
import type { KvPair, KvRangeOptions, KvStore, KvTransaction } from './kv.ts';

/**
 * An in-memory {@link KvStore} with FoundationDB's semantics: MVCC snapshot reads at the transaction's
 * read version, serializable commits by optimistic conflict detection (the read set of a committing
 * transaction is checked against every write committed after its read version), read-your-writes, and
 * automatic retry. Keys order as unsigned bytes: internally a key is a binary string with one char per
 * byte (0..255), and JS string comparison on such strings is exactly unsigned lexicographic byte order.
 *
 * History is kept for a window of `versionWindow` commits (FDB keeps ~5 s of versions): a transaction
 * whose read version falls out of the window fails with KV_TRANSACTION_TOO_OLD and is retried. This
 * bounds memory without tracking live transactions, which in simulation may belong to a crashed node
 * and never finish. Uses no clock or timer: the same code runs inside the simulator.
 *
 * @example
 * const kv = new MemoryKv();
 * await kv.transact(async (txn) => txn.set(key, value));
 */
export interface MemoryKvOptions {
  /** Commits of history kept for reads and conflict checks (default 50,000). */
  readonly versionWindow?: number;
  readonly keySizeMaxBytes?: number;
  readonly valueSizeMaxBytes?: number;
  readonly transactionSizeMaxBytes?: number;
  /** Retries on conflict when the caller gives no maxRetries (default 100). */
  readonly defaultMaxRetries?: number;
  /**
   * Called synchronously with every commit, in commit order, after it is applied: what a durable
   * wrapper logs. Keys are binary strings (see toKeyString); a null value is a cleared key.
   */
  readonly onCommit?: (change: CommittedChange) => void;
}

export interface CommittedChange {
  readonly version: number;
  readonly clears: ReadonlyArray<readonly [begin: string, end: string]>;
  readonly writes: ReadonlyMap<string, Uint8Array | null>;
}

/** Where a wrapper (e.g. the simulator's) charges latency; each hook runs on the caller's clock. */
export interface KvTransactHooks {
  /** Before the read version is taken (FDB's GetReadVersion round trip). */
  beforeBegin?(): Promise<void>;
  /** Before the commit is checked and applied (the commit round trip). */
  beforeCommit?(): Promise<void>;
  /** Before retry `attempt` (1-based) after a retryable error: a backoff. */
  beforeRetry?(attempt: number, error: FlyerError): Promise<void>;
}

export interface MemoryKvStats {
  commits: number;
  conflicts: number;
  tooOld: number;
}

type Value = Uint8Array | null; // null = cleared
interface Version { readonly version: number; readonly value: Value }
type Range = readonly [begin: string, end: string];
interface CommitRecord { readonly version: number; readonly points: readonly string[]; readonly ranges: readonly Range[] }

const RETRYABLE = new Set(['KV_CONFLICT', 'KV_TRANSACTION_TOO_OLD']);
const CHUNK_KEYS_MAX = 256;

export class MemoryKv implements KvStore {
  readonly stats: MemoryKvStats = { commits: 0, conflicts: 0, tooOld: 0 };
  readonly #data = new Map<string, Version[]>();
  readonly #index = new SortedKeys();
  readonly #log: CommitRecord[] = [];
  /** Keys whose newest version is a tombstone, in commit order: removed once outside the window. */
  readonly #tombstones: Array<{ key: string; version: number }> = [];
  readonly #options: Required<Omit<MemoryKvOptions, 'onCommit'>>;
  readonly #onCommit: MemoryKvOptions['onCommit'];
  #version = 0;
  #closed = false;

  constructor(options: MemoryKvOptions = {}) {
    this.#options = {
      versionWindow: options.versionWindow ?? 50_000,
      keySizeMaxBytes: options.keySizeMaxBytes ?? 10_000,
      valueSizeMaxBytes: options.valueSizeMaxBytes ?? 100_000,
      transactionSizeMaxBytes: options.transactionSizeMaxBytes ?? 10_000_000,
      defaultMaxRetries: options.defaultMaxRetries ?? 100,
    };
    this.#onCommit = options.onCommit;
    assert(this.#options.versionWindow >= 1, 'versionWindow must be at least 1');
  }

  /** The version of the newest commit (0 before any). */
  get version(): number {
    return this.#version;
  }

  get options(): Required<Omit<MemoryKvOptions, 'onCommit'>> {
    return this.#options;
  }

  transact<T>(body: (txn: KvTransaction) => Promise<T>, options: { maxRetries?: number } = {}): Promise<T> {
    return this.transactWith(body, options);
  }

  /** {@link transact} with latency hooks, for wrappers such as the simulator's shared KV. */
  async transactWith<T>(body: (txn: KvTransaction) => Promise<T>, options: { maxRetries?: number } & KvTransactHooks = {}): Promise<T> {
    const maxRetries = options.maxRetries ?? this.#options.defaultMaxRetries;
    if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) throw new FlyerError('INVALID_ARGUMENT', `maxRetries must be >= 0, got ${maxRetries}`);
    for (let attempt = 0; ; attempt++) {
      this.#checkOpen();
      await options.beforeBegin?.();
      this.#checkOpen();
      const txn = new MemoryTransaction(this, this.#version);
      try {
        const result = await body(txn);
        // A read-only transaction needs no commit: every read it made came from one consistent snapshot.
        if (txn.hasWrites) {
          await options.beforeCommit?.();
          this.#checkOpen();
          this.#commit(txn);
        }
        return result;
      } catch (error) {
        if (!isFlyerError(error) || !RETRYABLE.has(error.code)) throw error;
        if (attempt >= maxRetries) {
          throw new FlyerError('KV_CONFLICT', `gave up after ${attempt + 1} attempts (last: ${error.code})`, { cause: error });
        }
        await options.beforeRetry?.(attempt + 1, error);
      } finally {
        txn.finish();
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Oldest read version still answerable. */
  get horizon(): number {
    return Math.max(0, this.#version - this.#options.versionWindow);
  }

  /** The value of `key` at `version`; null when absent. */
  valueAt(key: string, version: number): Value {
    const versions = this.#data.get(key);
    if (!versions) return null;
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i]!;
      if (v.version <= version) return v.value;
    }
    return null;
  }

  /** Keys present (possibly as tombstones) in [begin, end), in order or reversed. */
  keysIn(begin: string, end: string, reverse: boolean): Generator<string> {
    return this.#index.range(begin, end, reverse);
  }

  checkKey(key: Uint8Array): void {
    if (!(key instanceof Uint8Array)) throw new FlyerError('INVALID_ARGUMENT', 'kv keys are Uint8Arrays');
    if (key.length > this.#options.keySizeMaxBytes) {
      throw new FlyerError('KV_KEY_TOO_LARGE', `${key.length} bytes > ${this.#options.keySizeMaxBytes}`);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new FlyerError('KV_STORE_CLOSED');
  }

  #commit(txn: MemoryTransaction): void {
    txn.checkFresh();
    // Every commit after our read version that wrote something we read (without snapshot) breaks
    // serializability: we would have read a value that is no longer current at our commit point.
    for (let i = firstAfter(this.#log, txn.readVersion); i < this.#log.length; i++) {
      const record = this.#log[i]!;
      if (txn.readsIntersect(record)) {
        this.stats.conflicts++;
        throw new FlyerError('KV_CONFLICT', `read set overlaps commit ${record.version}`);
      }
    }
    const version = ++this.#version;
    for (const [begin, end] of txn.clears) {
      for (const key of [...this.#index.range(begin, end, false)]) this.#put(key, version, null);
    }
    for (const [key, value] of txn.writes) this.#put(key, version, value);
    this.#log.push({ version, points: [...txn.writes.keys()], ranges: txn.clears });
    this.stats.commits++;
    this.#onCommit?.({ version, clears: txn.clears, writes: txn.writes });
    this.#collect();
  }

  #put(key: string, version: number, value: Value): void {
    let versions = this.#data.get(key);
    if (!versions) {
      if (value === null) return; // clearing an absent key changes nothing
      versions = [];
      this.#data.set(key, versions);
      this.#index.insert(key);
    } else if (value === null && versions[versions.length - 1]!.value === null) {
      return;
    }
    // Keep one version at or below the horizon (what old-but-valid readers see) and all newer ones.
    const horizon = this.horizon;
    let keepFrom = 0;
    for (let i = versions.length - 1; i >= 0; i--) {
      if (versions[i]!.version <= horizon) {
        keepFrom = i;
        break;
      }
    }
    if (keepFrom > 0) versions.splice(0, keepFrom);
    versions.push({ version, value });
    if (value === null) this.#tombstones.push({ key, version });
  }

  #collect(): void {
    const horizon = this.horizon;
    const keep = firstAfter(this.#log, horizon);
    if (keep > 1024) this.#log.splice(0, keep); // amortized: splice in batches
    let drop = 0;
    while (drop < this.#tombstones.length && this.#tombstones[drop]!.version <= horizon) {
      const { key, version } = this.#tombstones[drop++]!;
      const versions = this.#data.get(key);
      const last = versions?.[versions.length - 1];
      if (last && last.version === version && last.value === null) {
        this.#data.delete(key);
        this.#index.delete(key);
      }
    }
    if (drop > 0) this.#tombstones.splice(0, drop);
  }
}

/** One attempt of a transaction: a read version, a write buffer, and the read set for conflicts. */
class MemoryTransaction implements KvTransaction {
  readonly writes = new Map<string, Value>();
  readonly clears: Range[] = [];
  readonly #readPoints = new Set<string>();
  readonly #readRanges: Range[] = [];
  #sizeBytes = 0;
  #done = false;

  constructor(private readonly store: MemoryKv, readonly readVersion: number) {}

  get hasWrites(): boolean {
    return this.writes.size > 0 || this.clears.length > 0;
  }

  finish(): void {
    this.#done = true;
  }

  checkFresh(): void {
    if (this.readVersion < this.store.horizon) {
      this.store.stats.tooOld++;
      throw new FlyerError('KV_TRANSACTION_TOO_OLD', `read version ${this.readVersion} < horizon ${this.store.horizon}`);
    }
  }

  async get(key: Uint8Array, options: { snapshot?: boolean } = {}): Promise<Uint8Array | undefined> {
    this.#checkUsable();
    this.store.checkKey(key);
    const k = toKeyString(key);
    const local = this.#local(k);
    if (local !== undefined) return local === null ? undefined : local.slice();
    this.checkFresh();
    if (!options.snapshot) this.#readPoints.add(k);
    const value = this.store.valueAt(k, this.readVersion);
    return value === null ? undefined : value.slice();
  }

  async getRange(begin: Uint8Array, end: Uint8Array, options: KvRangeOptions = {}): Promise<KvPair[]> {
    this.#checkUsable();
    this.store.checkKey(begin);
    this.store.checkKey(end);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (!(limit > 0)) throw new FlyerError('INVALID_ARGUMENT', `range limit must be positive, got ${limit}`);
    const b = toKeyString(begin);
    const e = toKeyString(end);
    if (b >= e) return [];
    const reverse = options.reverse === true;
    const out: KvPair[] = [];
    this.checkFresh();
    for (const key of this.#mergedKeys(b, e, reverse)) {
      const local = this.#local(key);
      const value = local !== undefined ? local : this.store.valueAt(key, this.readVersion);
      if (value === null) continue;
      out.push({ key: fromKeyString(key), value: value.slice() });
      if (out.length >= limit) break;
    }
    if (!options.snapshot) {
      // A limited read depends only on the keys up to the last one returned (FDB does the same).
      const last = out.length >= limit ? toKeyString(out[out.length - 1]!.key) : undefined;
      this.#readRanges.push(last === undefined ? [b, e] : reverse ? [last, e] : [b, `${last}\u0000`]);
    }
    return out;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.#checkUsable();
    this.store.checkKey(key);
    if (!(value instanceof Uint8Array)) throw new FlyerError('INVALID_ARGUMENT', 'kv values are Uint8Arrays');
    if (value.length > this.store.options.valueSizeMaxBytes) {
      throw new FlyerError('KV_VALUE_TOO_LARGE', `${value.length} bytes > ${this.store.options.valueSizeMaxBytes}`);
    }
    this.#grow(key.length + value.length);
    this.writes.set(toKeyString(key), value.slice());
  }

  clear(key: Uint8Array): void {
    this.#checkUsable();
    this.store.checkKey(key);
    this.#grow(key.length);
    this.writes.set(toKeyString(key), null);
  }

  clearRange(begin: Uint8Array, end: Uint8Array): void {
    this.#checkUsable();
    this.store.checkKey(begin);
    this.store.checkKey(end);
    const b = toKeyString(begin);
    const e = toKeyString(end);
    if (b > e) throw new FlyerError('KV_INVERTED_RANGE', 'clearRange end sorts before begin');
    if (b === e) return;
    this.#grow(begin.length + end.length);
    // Earlier buffered writes inside the range are superseded; later ones land on top at commit.
    for (const key of [...this.writes.keys()]) if (key >= b && key < e) this.writes.delete(key);
    this.clears.push([b, e]);
  }

  /** True when `record` wrote something this transaction read without `snapshot`. */
  readsIntersect(record: CommitRecord): boolean {
    for (const key of record.points) {
      if (this.#readPoints.has(key) || this.#readRanges.some(([b, e]) => key >= b && key < e)) return true;
    }
    for (const [rb, re] of record.ranges) {
      if (this.#readRanges.some(([b, e]) => rb < e && b < re)) return true;
      for (const key of this.#readPoints) if (key >= rb && key < re) return true;
    }
    return false;
  }

  /** The buffered value of `key`: a value, null when cleared here, undefined when untouched. */
  #local(key: string): Value | undefined {
    const written = this.writes.get(key);
    if (written !== undefined) return written;
    return this.clears.some(([b, e]) => key >= b && key < e) ? null : undefined;
  }

  /** Store keys and buffered keys in [b, e), merged in order without duplicates. */
  *#mergedKeys(b: string, e: string, reverse: boolean): Generator<string> {
    const local = [...this.writes.keys()].filter((k) => k >= b && k < e).sort();
    if (reverse) local.reverse();
    const before = (x: string, y: string): boolean => (reverse ? x > y : x < y);
    let i = 0;
    for (const key of this.store.keysIn(b, e, reverse)) {
      while (i < local.length && before(local[i]!, key)) yield local[i++]!;
      if (i < local.length && local[i] === key) i++;
      yield key;
    }
    while (i < local.length) yield local[i++]!;
  }

  #grow(bytes: number): void {
    this.#sizeBytes += bytes;
    if (this.#sizeBytes > this.store.options.transactionSizeMaxBytes) {
      throw new FlyerError('KV_TRANSACTION_TOO_LARGE', `${this.#sizeBytes} bytes > ${this.store.options.transactionSizeMaxBytes}`);
    }
  }

  #checkUsable(): void {
    if (this.#done) throw new FlyerError('KV_TRANSACTION_DONE');
  }
}

/**
 * Ordered set of binary-string keys as a list of sorted chunks (a one-level B-tree): O(log n) search,
 * O(chunk) insert/delete, cheap ordered iteration. Plenty for cluster-manager and simulated-metadata sizes.
 */
class SortedKeys {
  readonly #chunks: string[][] = [];

  insert(key: string): void {
    if (this.#chunks.length === 0) {
      this.#chunks.push([key]);
      return;
    }
    const c = Math.min(this.#chunkFor(key), this.#chunks.length - 1);
    const chunk = this.#chunks[c]!;
    const at = lowerBound(chunk, key);
    assert(chunk[at] !== key, 'SortedKeys.insert: key already present');
    chunk.splice(at, 0, key);
    if (chunk.length > CHUNK_KEYS_MAX) this.#chunks.splice(c + 1, 0, chunk.splice(chunk.length >> 1));
  }

  delete(key: string): void {
    const c = this.#chunkFor(key);
    const chunk = this.#chunks[c];
    const at = chunk ? lowerBound(chunk, key) : -1;
    assert(chunk !== undefined && chunk[at] === key, 'SortedKeys.delete: key absent');
    chunk.splice(at, 1);
    if (chunk.length === 0) this.#chunks.splice(c, 1);
  }

  *range(begin: string, end: string, reverse: boolean): Generator<string> {
    if (!reverse) {
      const first = this.#chunkFor(begin);
      for (let c = first; c < this.#chunks.length; c++) {
        const chunk = this.#chunks[c]!;
        for (let i = c === first ? lowerBound(chunk, begin) : 0; i < chunk.length; i++) {
          if (chunk[i]! >= end) return;
          yield chunk[i]!;
        }
      }
      return;
    }
    const last = Math.min(this.#chunkFor(end), this.#chunks.length - 1);
    for (let c = last; c >= 0; c--) {
      const chunk = this.#chunks[c]!;
      for (let i = (c === last ? lowerBound(chunk, end) : chunk.length) - 1; i >= 0; i--) {
        if (chunk[i]! < begin) return;
        yield chunk[i]!;
      }
    }
  }

  /** Index of the first chunk whose last key is >= `key` (chunks.length when none). */
  #chunkFor(key: string): number {
    let lo = 0;
    let hi = this.#chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.#chunks[mid]!;
      if (chunk[chunk.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function lowerBound(items: readonly string[], key: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first commit record with version > `version`. */
function firstAfter(log: readonly CommitRecord[], version: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]!.version <= version) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Keys up to this long convert in one call (apply takes a typed array directly, far cheaper than a spread). */
const KEY_STRING_CALL_BYTES = 4096;

export function toKeyString(bytes: Uint8Array): string {
  if (bytes.length <= KEY_STRING_CALL_BYTES) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = '';
  for (let i = 0; i < bytes.length; i += KEY_STRING_CALL_BYTES) out += String.fromCharCode.apply(null, bytes.subarray(i, i + KEY_STRING_CALL_BYTES) as unknown as number[]);
  return out;
}

export function fromKeyString(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}
