import { FlyerError } from '../../env/errors.ts';
import type { KvStore } from '../../env/kv.ts';
import type { Env, RpcMethod, Timer } from '../../env/types.ts';
import { CommitOutcomes } from './commit-outcomes.ts';
import { HostedTransaction } from './hosted-transaction.ts';
import * as m from './messages.ts';
import * as check from './request-checks.ts';

const MS = 1_000_000;

export interface KvServiceOptions {
  /** A transaction older than this is aborted (FoundationDB's 5 s): a client that died holds nothing for long. */
  readonly transactionTimeoutNs?: number;
  /** Open transactions at once; a begin beyond it is refused with KV_TOO_MANY_TRANSACTIONS (clients back off). */
  readonly openTransactionsMax?: number;
  /** Named stores the service opens on demand; a new name beyond it is refused with KV_TOO_MANY_STORES. */
  readonly storesMax?: number;
  /** Largest range-read reply in pairs; a client asks again for the rest. */
  readonly rangePairsMax?: number;
  /** Largest range-read reply in key and value bytes (at least one pair is always sent). */
  readonly rangeBytesMax?: number;
  /** How long commit outcomes are remembered for clients whose reply was lost. */
  readonly outcomeKeepNs?: number;
  readonly outcomeEntriesMax?: number;
  /** What the service accepts; the backing stores must accept at least this much (MemoryKv's defaults). */
  readonly limits?: Partial<m.KvLimits>;
}

export const KV_LIMITS_DEFAULT: m.KvLimits = { keySizeMaxBytes: 10_000, valueSizeMaxBytes: 100_000, transactionSizeMaxBytes: 10_000_000 };

/**
 * The networked transactional KV (what FoundationDB is to 3FS's stateless meta servers): serves the
 * KvStore interface over RPC, backed by the stores its Env opens (`env.openKv(name)`: the durable
 * embedded store in real mode, a memory one in simulation), so several meta servers (or managers) share
 * one namespace. Optimistic concurrency as FoundationDB does it: clients buffer writes and send them in
 * one commit; the service holds each transaction's snapshot and read set inside the store's own
 * transaction machinery (hosted-transaction.ts), so conflicts are decided exactly as the store decides
 * them. A commit is acknowledged only once the store acknowledged it (durably, for DurableKv).
 *
 * @example
 * // on the kv node
 * const service = KvService.start(env, {});
 * // on a meta node
 * const kv = await RemoteKv.open(env, { server: 'kv-1', store: 'meta' });
 */
export class KvService {
  readonly #stores = new Map<string, Promise<KvStore>>();
  readonly #open = new Map<string, { readonly txn: HostedTransaction; readonly expiry: Timer }>();
  readonly #outcomes: CommitOutcomes;
  readonly #options: Required<Omit<KvServiceOptions, 'limits'>> & { readonly limits: m.KvLimits };
  readonly bootId: string;
  #nextTxn = 1;
  #stopped = false;

  private constructor(private readonly env: Env, options: KvServiceOptions) {
    this.#options = {
      transactionTimeoutNs: options.transactionTimeoutNs ?? 5_000 * MS,
      openTransactionsMax: options.openTransactionsMax ?? 10_000,
      storesMax: options.storesMax ?? 64,
      rangePairsMax: options.rangePairsMax ?? 10_000,
      rangeBytesMax: options.rangeBytesMax ?? 8 << 20,
      outcomeKeepNs: options.outcomeKeepNs ?? 120_000 * MS,
      outcomeEntriesMax: options.outcomeEntriesMax ?? 200_000,
      limits: { ...KV_LIMITS_DEFAULT, ...options.limits },
    };
    const random = env.random('kv.service');
    this.bootId = `${random.nextU32().toString(16).padStart(8, '0')}${random.nextU32().toString(16).padStart(8, '0')}`;
    this.#outcomes = new CommitOutcomes({ keepNs: this.#options.outcomeKeepNs, entriesMax: this.#options.outcomeEntriesMax, nowNs: () => env.clock.now() });
  }

  static start(env: Env, options: KvServiceOptions = {}): KvService {
    const service = new KvService(env, options);
    service.#serveAll();
    env.log.info('kv service started', { bootId: service.bootId });
    return service;
  }

  get openTransactions(): number {
    return this.#open.size;
  }

  /** Refuses new work and aborts open transactions; the stores stay the caller's to close. */
  stop(): void {
    this.#stopped = true;
    for (const id of [...this.#open.keys()]) this.#end(id, 'service stopping');
  }

  #serveAll(): void {
    const limits = this.#options.limits;
    this.#serve(m.kvHello, async () => ({ bootId: this.bootId, limits }));
    this.#serve(m.kvBegin, async (r) => this.#begin(check.storeName(r['store'])));
    this.#serve(m.kvGet, async (r) => {
      const txn = this.#txn(r['txnId']);
      const value = await txn.get(check.key(r['key'], limits), check.flag(r['snapshot'], 'snapshot'));
      return value === undefined ? {} : { value };
    });
    this.#serve(m.kvGetRange, async (r) => {
      const txn = this.#txn(r['txnId']);
      return this.#getRange(txn, r);
    });
    this.#serve(m.kvCommit, async (r) => {
      await this.#handleCommit(r);
      return {};
    });
    this.#serve(m.kvOutcome, async (r) => this.#outcomes.query(check.id(r['commitId'], 'commitId'), this.bootId));
    this.#serve(m.kvAbort, async (r) => {
      this.#end(check.id(r['txnId'], 'txnId'), 'client abort');
      return {};
    });
  }

  /** Every request is checked to be an object here; the fields are checked by each handler. */
  #serve<Req, Res>(method: RpcMethod<Req, Res>, handler: (request: Record<string, unknown>) => Promise<Res>): void {
    this.env.rpc.serve(method, async (request) => {
      if (this.#stopped) throw new FlyerError('KV_UNAVAILABLE', `${this.env.nodeId} is stopping`);
      return handler(check.record(request));
    });
  }

  async #handleCommit(r: Record<string, unknown>): Promise<void> {
    const store = check.storeName(r['store']);
    const commitId = check.id(r['commitId'], 'commitId');
    const bootId = check.id(r['bootId'], 'bootId');
    const txnId = r['txnId'] === undefined || r['txnId'] === null ? undefined : check.id(r['txnId'], 'txnId');
    const writes = check.writes(r, this.#options.limits);
    if (bootId !== this.bootId) throw this.#unknown(`commit ${commitId} was addressed to service incarnation ${bootId}`);
    if (txnId !== undefined && writes.clears.length === 0 && writes.writes.length === 0) {
      // Read-only: nothing to remember (a client in doubt runs it again); answered once what it read is durable.
      return this.#commit(store, txnId, writes);
    }
    const fenced = (): FlyerError => this.#unknown(`commit ${commitId} was fenced off by an outcome query`);
    return this.#outcomes.run(commitId, () => this.#commit(store, txnId, writes), fenced);
  }

  async #begin(storeName: string): Promise<m.BeginResponse> {
    if (this.#open.size >= this.#options.openTransactionsMax) {
      throw new FlyerError('KV_TOO_MANY_TRANSACTIONS', `${this.#open.size} open on ${this.env.nodeId}`);
    }
    const store = await this.#store(storeName);
    const txnId = `${this.bootId}.${this.#nextTxn++}`;
    const txn = await HostedTransaction.begin(store, txnId, storeName);
    if (this.#stopped) {
      txn.abort('service stopping');
      throw new FlyerError('KV_UNAVAILABLE', `${this.env.nodeId} is stopping`);
    }
    const expiry = this.env.clock.setTimer(this.#options.transactionTimeoutNs, () => this.#end(txnId, 'expired'));
    this.#open.set(txnId, { txn, expiry });
    return { txnId, bootId: this.bootId };
  }

  async #getRange(txn: HostedTransaction, r: Record<string, unknown>): Promise<m.GetRangeResponse> {
    const limits = this.#options.limits;
    const begin = check.key(r['begin'], limits, 'begin');
    const end = check.key(r['end'], limits, 'end');
    const asked = check.limit(r['limit']);
    const cap = Math.min(asked ?? Number.POSITIVE_INFINITY, this.#options.rangePairsMax);
    const pairs = await txn.getRange(begin, end, { limit: cap, reverse: check.flag(r['reverse'], 'reverse'), snapshot: check.flag(r['snapshot'], 'snapshot') });
    // Trim to the byte budget. The store recorded a read of everything it returned; conflicting on a
    // little more than the client saw is safe (only ever an extra retry).
    let sizeBytes = 0;
    let count = 0;
    while (count < pairs.length && (count === 0 || sizeBytes + pairs[count]!.key.length + pairs[count]!.value.length <= this.#options.rangeBytesMax)) {
      sizeBytes += pairs[count]!.key.length + pairs[count]!.value.length;
      count++;
    }
    return { pairs: pairs.slice(0, count).map((p) => [p.key, p.value] as const), more: count < pairs.length || pairs.length >= cap };
  }

  async #commit(storeName: string, txnId: string | undefined, writes: check.ParsedWrites): Promise<void> {
    if (txnId === undefined) {
      // A blind write read nothing, so it cannot conflict: any fresh transaction applies it.
      const store = await this.#store(storeName);
      await store.transact(async (txn) => {
        for (const [begin, end] of writes.clears) txn.clearRange(begin, end);
        for (const [key, value] of writes.writes) {
          if (value === null) txn.clear(key);
          else txn.set(key, value);
        }
      });
      return;
    }
    const txn = this.#txn(txnId);
    if (txn.store !== storeName) throw check.malformed(`transaction ${txnId} belongs to store ${txn.store}, not ${storeName}`);
    this.#forget(txnId);
    await txn.commit(writes);
  }

  #txn(rawId: unknown): HostedTransaction {
    const txnId = check.id(rawId, 'txnId');
    const open = this.#open.get(txnId);
    if (!open || !open.txn.open) throw this.#unknown(`transaction ${txnId}`);
    return open.txn;
  }

  #store(name: string): Promise<KvStore> {
    let store = this.#stores.get(name);
    if (!store) {
      if (this.#stores.size >= this.#options.storesMax) throw new FlyerError('KV_TOO_MANY_STORES', `${this.#stores.size} stores open; ${name} refused`);
      store = this.env.openKv(name);
      this.#stores.set(name, store);
      // A store that failed to open is forgotten, so a later request tries again.
      store.catch(() => this.#stores.delete(name));
    }
    return store;
  }

  #end(txnId: string, reason: string): void {
    const open = this.#open.get(txnId);
    if (!open) return;
    this.#forget(txnId);
    open.txn.abort(reason);
  }

  #forget(txnId: string): void {
    this.#open.get(txnId)?.expiry.cancel();
    this.#open.delete(txnId);
  }

  #unknown(detail: string): FlyerError {
    return new FlyerError('KV_TRANSACTION_UNKNOWN', `${detail} (service ${this.env.nodeId}, incarnation ${this.bootId})`);
  }
}
