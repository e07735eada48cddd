import { FlyerError } from '../../env/errors.ts';
import type { KvPair, KvRangeOptions, KvTransaction } from '../../env/kv.ts';
import { fromKeyString, toKeyString } from '../../env/kv-memory.ts';
import type { KvChannel } from './kv-channel.ts';
import * as m from './messages.ts';
import { WriteBuffer } from './write-buffer.ts';

/**
 * One attempt of a transaction against the KV service, on the client. Writes stay in a local buffer
 * (read-your-writes without a round trip) until commit; reads the buffer cannot answer go to the
 * service, which opens the remote transaction (its read snapshot) on the first of them. A transaction
 * that only writes never opens one: its commit carries everything.
 *
 * Range reads merge the service's keys with the buffer. The service may stop early (a limit, its batch
 * cap), and buffered clears may hide some of what it sent, so the merge asks again from where the
 * service stopped until the answer is complete; each ask adds its range to the read-conflict set, which
 * together cover everything the merged answer depends on.
 */
export class RemoteTransaction implements KvTransaction {
  readonly #buffer = new WriteBuffer();
  readonly #reads = new Set<Promise<unknown>>();
  #begun: Promise<m.BeginResponse> | undefined;
  #sizeBytes = 0;
  #done = false;
  #ended = false;

  constructor(private readonly channel: KvChannel, private readonly store: string, private readonly limits: m.KvLimits) {}

  async get(key: Uint8Array, options: { snapshot?: boolean } = {}): Promise<Uint8Array | undefined> {
    this.#checkUsable();
    this.#checkKey(key);
    const local = this.#buffer.local(toKeyString(key));
    if (local !== undefined) return local === null ? undefined : local.slice();
    const reply = await this.#read(async (txnId) => this.channel.call(m.kvGet, { txnId, key, ...(options.snapshot ? { snapshot: true } : {}) }));
    return reply.value === undefined ? undefined : new Uint8Array(reply.value);
  }

  async getRange(begin: Uint8Array, end: Uint8Array, options: KvRangeOptions = {}): Promise<KvPair[]> {
    this.#checkUsable();
    this.#checkKey(begin);
    this.#checkKey(end);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (!(limit > 0)) throw new FlyerError('INVALID_ARGUMENT', `range limit must be positive, got ${limit}`);
    const b = toKeyString(begin);
    const e = toKeyString(end);
    if (b >= e) return [];
    const reverse = options.reverse === true;
    const fromService: Array<readonly [string, Uint8Array]> = [];
    // The part of [b, e) the service has answered for so far: [b, frontier] forward, [frontier, e) reversed.
    let frontier: string | undefined;
    for (;;) {
      const ask = frontier === undefined ? [begin, end] : reverse ? [begin, fromKeyString(frontier)] : [fromKeyString(`${frontier}\u0000`), end];
      const reply = await this.#read((txnId) => this.channel.call(m.kvGetRange, {
        txnId, begin: ask[0]!, end: ask[1]!,
        ...(Number.isFinite(limit) ? { limit } : {}),
        ...(reverse ? { reverse: true } : {}),
        ...(options.snapshot ? { snapshot: true } : {}),
      }));
      for (const [key, value] of reply.pairs) fromService.push([toKeyString(key), new Uint8Array(value)]);
      const last = reply.pairs[reply.pairs.length - 1];
      frontier = reply.more && last ? toKeyString(last[0]) : undefined;
      const merged = this.#merge(fromService, b, e, frontier, reverse);
      if (frontier === undefined || merged.length >= limit) return merged.slice(0, Number.isFinite(limit) ? limit : merged.length);
    }
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.#checkUsable();
    this.#checkKey(key);
    if (!(value instanceof Uint8Array)) throw new FlyerError('INVALID_ARGUMENT', 'kv values are Uint8Arrays');
    if (value.length > this.limits.valueSizeMaxBytes) {
      throw new FlyerError('KV_VALUE_TOO_LARGE', `${value.length} bytes > ${this.limits.valueSizeMaxBytes}`);
    }
    this.#grow(key.length + value.length);
    this.#buffer.set(toKeyString(key), new Uint8Array(value));
  }

  clear(key: Uint8Array): void {
    this.#checkUsable();
    this.#checkKey(key);
    this.#grow(key.length);
    this.#buffer.clear(toKeyString(key));
  }

  clearRange(begin: Uint8Array, end: Uint8Array): void {
    this.#checkUsable();
    this.#checkKey(begin);
    this.#checkKey(end);
    const b = toKeyString(begin);
    const e = toKeyString(end);
    if (b > e) throw new FlyerError('KV_INVERTED_RANGE', 'clearRange end sorts before begin');
    if (b === e) return;
    this.#grow(begin.length + end.length);
    this.#buffer.clearRange(b, e);
  }

  /** After the body: no more use of this object by the caller's code. */
  finish(): void {
    this.#done = true;
  }

  /**
   * The commit request for the buffered writes, once every read in flight has settled (so each is in
   * the service's read set); undefined for a transaction that neither wrote nor read. A read-only one
   * commits no writes, but its commit still matters: the service answers it only once everything the
   * reads saw is durable (as DurableKv does for a local read-only transaction), so nothing a caller
   * acted on can vanish in a crash of the service.
   */
  async commitRequest(commitId: string, sessionBootId: string): Promise<m.CommitRequest | undefined> {
    while (this.#reads.size > 0) await Promise.allSettled([...this.#reads]);
    if (this.#buffer.empty && !this.#begun) return undefined;
    const begun = this.#begun ? await this.#begun : undefined;
    this.#ended = true;
    return {
      store: this.store, commitId, bootId: begun?.bootId ?? sessionBootId, ...(begun ? { txnId: begun.txnId } : {}),
      ...this.#buffer.toWire(),
    };
  }

  /** Lets the service drop the remote transaction now rather than when it expires. */
  release(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#begun?.then(({ txnId }) => this.channel.post(m.kvAbort, { txnId }), () => undefined);
  }

  /** Runs a remote read, opening the remote transaction first if this is the first one. */
  #read<T>(read: (txnId: string) => Promise<T>): Promise<T> {
    if (this.#ended) return Promise.reject(new FlyerError('KV_TRANSACTION_DONE', 'read after the transaction was committed'));
    if (!this.#begun) {
      this.#begun = this.channel.call(m.kvBegin, { store: this.store });
      // Failures reach the reader that awaits it; this keeps a failed begin from being unhandled meanwhile.
      this.#begun.catch(() => undefined);
    }
    const running = this.#begun.then(({ txnId }) => read(txnId));
    this.#reads.add(running);
    void running.finally(() => this.#reads.delete(running)).catch(() => undefined);
    return running;
  }

  /**
   * Service pairs not hidden by the buffer, plus buffered values, in order, limited to the part of
   * [b, e) the service answered for (a buffered key past the frontier might have service keys before it).
   */
  #merge(fromService: ReadonlyArray<readonly [string, Uint8Array]>, b: string, e: string, frontier: string | undefined, reverse: boolean): KvPair[] {
    const [lo, hi] = frontier === undefined ? [b, e] : reverse ? [frontier, e] : [b, `${frontier}\u0000`];
    const local = this.#buffer.valuesIn(lo, hi, reverse);
    // Buffered writes and clears override what the service has.
    const remote = fromService.filter(([key]) => this.#buffer.local(key) === undefined);
    const before = (x: string, y: string): boolean => (reverse ? x > y : x < y);
    const out: KvPair[] = [];
    let i = 0;
    let j = 0;
    while (i < remote.length || j < local.length) {
      const takeLocal = i >= remote.length || (j < local.length && before(local[j]![0], remote[i]![0]));
      const [key, value] = takeLocal ? local[j++]! : remote[i++]!;
      out.push({ key: fromKeyString(key), value: value.slice() });
    }
    return out;
  }

  #checkKey(key: Uint8Array): void {
    if (!(key instanceof Uint8Array)) throw new FlyerError('INVALID_ARGUMENT', 'kv keys are Uint8Arrays');
    if (key.length > this.limits.keySizeMaxBytes) throw new FlyerError('KV_KEY_TOO_LARGE', `${key.length} bytes > ${this.limits.keySizeMaxBytes}`);
  }

  #grow(bytes: number): void {
    this.#sizeBytes += bytes;
    if (this.#sizeBytes > this.limits.transactionSizeMaxBytes) {
      throw new FlyerError('KV_TRANSACTION_TOO_LARGE', `${this.#sizeBytes} bytes > ${this.limits.transactionSizeMaxBytes}`);
    }
  }

  #checkUsable(): void {
    if (this.#done) throw new FlyerError('KV_TRANSACTION_DONE');
  }
}
