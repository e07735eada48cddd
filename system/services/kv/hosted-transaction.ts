import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { KvPair, KvRangeOptions, KvStore, KvTransaction } from '../../env/kv.ts';
import type { ParsedWrites } from './request-checks.ts';

/**
 * One remote transaction held open on the KV service. The backing store's own `transact` runs a body
 * that lends its KvTransaction out to serve the client's reads and then waits for the client's commit
 * (its buffered writes) or abort. So read versions, read-conflict sets and the commit check are exactly
 * the store's, and a remote transaction conflicts with other remote ones as two local ones would. The
 * body runs once (maxRetries 0): a conflict ends it, and the client retries its whole body.
 */
type Ending = { readonly kind: 'commit'; readonly writes: ParsedWrites } | { readonly kind: 'abort'; readonly reason: string };

/** Thrown out of the body to end the store's transaction without committing; never leaves this file. */
class Abandoned extends Error {}

const RETRYABLE = new Set(['KV_CONFLICT', 'KV_TRANSACTION_TOO_OLD']);

export class HostedTransaction {
  #txn: KvTransaction | undefined;
  #end!: (ending: Ending) => void;
  readonly #ending = new Promise<Ending>((resolve) => { this.#end = resolve; });
  #state: 'open' | 'ending' = 'open';
  /** The store's transact(): resolves once committed (and durable), rejects on conflict or abort. */
  #settled: Promise<void> | undefined;

  private constructor(readonly txnId: string, readonly store: string) {}

  /** Opens a transaction on `kv` (taking its read version now) and holds it open. */
  static async begin(kv: KvStore, txnId: string, store: string): Promise<HostedTransaction> {
    const hosted = new HostedTransaction(txnId, store);
    let opened!: () => void;
    const open = new Promise<void>((resolve) => { opened = resolve; });
    hosted.#settled = kv.transact(async (txn) => {
      hosted.#txn = txn;
      opened();
      const ending = await hosted.#ending;
      if (ending.kind === 'abort') throw new Abandoned(ending.reason);
      // Clears first, then point writes: the order the client's buffer (and MemoryKv) commits in.
      for (const [begin, end] of ending.writes.clears) txn.clearRange(begin, end);
      for (const [key, value] of ending.writes.writes) {
        if (value === null) txn.clear(key);
        else txn.set(key, value);
      }
    }, { maxRetries: 0 });
    // Aborts end in a rejection nobody awaits; commit() awaits its own.
    hosted.#settled.catch(() => undefined);
    // A store that cannot start a transaction (closed, failed) rejects before the body ever runs.
    await Promise.race([open, hosted.#settled]);
    return hosted;
  }

  get open(): boolean {
    return this.#state === 'open';
  }

  get(key: Uint8Array, snapshot: boolean): Promise<Uint8Array | undefined> {
    return this.#read((txn) => txn.get(key, { snapshot }));
  }

  getRange(begin: Uint8Array, end: Uint8Array, options: KvRangeOptions): Promise<KvPair[]> {
    return this.#read((txn) => txn.getRange(begin, end, options));
  }

  /** Applies the client's writes and commits; resolves when the store acknowledged (synced) it. */
  async commit(writes: ParsedWrites): Promise<void> {
    this.#checkOpen();
    this.#state = 'ending';
    this.#end({ kind: 'commit', writes });
    // maxRetries 0 turns a conflict (or a too-old read version) into KV_CONFLICT: the client retries.
    await this.#settled;
  }

  /** Ends the transaction without committing (client abort, expiry, service stop). Idempotent. */
  abort(reason: string): void {
    if (this.#state !== 'open') return;
    this.#state = 'ending';
    this.#end({ kind: 'abort', reason });
  }

  async #read<T>(read: (txn: KvTransaction) => Promise<T>): Promise<T> {
    this.#checkOpen();
    try {
      return await read(this.#txn!);
    } catch (error) {
      // A read version that fell out of the store's window stays out of it: end the transaction now
      // rather than hold it until it expires.
      if (isFlyerError(error) && RETRYABLE.has(error.code)) this.abort(error.code);
      throw error;
    }
  }

  #checkOpen(): void {
    if (this.#state !== 'open') throw new FlyerError('KV_TRANSACTION_UNKNOWN', `transaction ${this.txnId} has ended`);
  }
}
