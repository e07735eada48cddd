import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { KvStore, KvTransaction } from '../../env/kv.ts';
import type { RandomStream } from '../../env/random.ts';
import type { Env, NodeId } from '../../env/types.ts';
import { inDoubt, KvChannel } from './kv-channel.ts';
import * as m from './messages.ts';
import { storeName } from './request-checks.ts';
import { RemoteTransaction } from './remote-transaction.ts';

const MS = 1_000_000;

export interface RemoteKvOptions {
  /** The KV service node. */
  readonly server: NodeId;
  /** The named store on it (e.g. `meta`). */
  readonly store: string;
  /** Deadline of a read or begin call. */
  readonly callTimeoutNs?: number;
  /** Deadline of a commit call: it waits for the service's log sync. */
  readonly commitTimeoutNs?: number;
  /** Retries when the caller gives no maxRetries (MemoryKv's default, 100). */
  readonly defaultMaxRetries?: number;
  /** First retry backoff; doubles per retry up to `retryBackoffMaxNs`, with jitter. */
  readonly retryBackoffNs?: number;
  readonly retryBackoffMaxNs?: number;
  /** How long to keep asking what became of a commit whose reply was lost before KV_COMMIT_UNKNOWN_RESULT. */
  readonly outcomeTimeoutNs?: number;
}

interface Session {
  readonly bootId: string;
  readonly limits: m.KvLimits;
}

/**
 * Errors after which the whole body runs again: conflicts, a read version too old, a transaction the
 * service lost (expired, restarted), a service too busy or out of reach. Nothing was committed.
 */
const RETRYABLE = new Set(['KV_CONFLICT', 'KV_TRANSACTION_TOO_OLD', 'KV_TRANSACTION_UNKNOWN', 'KV_TOO_MANY_TRANSACTIONS', 'KV_UNAVAILABLE']);
/** After these the service may be a new incarnation: learn its boot id again. */
const SESSION_ENDING = new Set(['KV_TRANSACTION_UNKNOWN', 'KV_UNAVAILABLE']);

/**
 * The client of the KV service (kv-service.ts): a {@link KvStore} whose transactions run remotely with
 * FoundationDB's optimistic concurrency. The body runs here against a {@link RemoteTransaction} (reads
 * go to the service, writes are buffered), then one commit carries the writes; a conflict runs the
 * whole body again after a jittered exponential backoff, up to maxRetries (then KV_CONFLICT, or
 * KV_UNAVAILABLE when the service stayed out of reach). A commit whose reply is lost is resolved by
 * asking the service what became of it; only if the service itself was lost meanwhile does the caller
 * get KV_COMMIT_UNKNOWN_RESULT (the commit may have been applied, FoundationDB's commit_unknown_result).
 *
 * @example
 * const kv = await RemoteKv.open(env, { server: 'kv-1', store: 'meta' });
 * await kv.transact(async (txn) => txn.set(key, value));
 */
export class RemoteKv implements KvStore {
  readonly #channel: KvChannel;
  readonly #random: RandomStream;
  readonly #options: Required<RemoteKvOptions>;
  /** Names this client in commit ids (with a sequence number), so they never repeat across clients. */
  readonly #clientTag: string;
  #session: Promise<Session> | undefined;
  #commits = 0;
  #closed = false;

  private constructor(private readonly env: Env, options: RemoteKvOptions) {
    this.#options = {
      callTimeoutNs: 5_000 * MS,
      commitTimeoutNs: 10_000 * MS,
      defaultMaxRetries: 100,
      retryBackoffNs: 2 * MS,
      retryBackoffMaxNs: 1_000 * MS,
      outcomeTimeoutNs: 30_000 * MS,
      ...options,
    };
    this.#channel = new KvChannel(env, options.server, this.#options.callTimeoutNs);
    this.#random = env.random('kv.client');
    this.#clientTag = `${env.nodeId}.${this.#random.nextU32().toString(16)}${this.#random.nextU32().toString(16)}`;
  }

  /** A client of `options.store` on `options.server`; nothing is sent until the first transaction. */
  static async open(env: Env, options: RemoteKvOptions): Promise<RemoteKv> {
    storeName(options.store);
    return new RemoteKv(env, options);
  }

  async transact<T>(body: (txn: KvTransaction) => Promise<T>, options: { maxRetries?: number } = {}): Promise<T> {
    const maxRetries = options.maxRetries ?? this.#options.defaultMaxRetries;
    if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) throw new FlyerError('INVALID_ARGUMENT', `maxRetries must be >= 0, got ${maxRetries}`);
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new FlyerError('KV_STORE_CLOSED', `remote kv ${this.#options.store} on ${this.env.nodeId}`);
      let txn: RemoteTransaction | undefined;
      try {
        const session = await this.#currentSession();
        txn = new RemoteTransaction(this.#channel, this.#options.store, session.limits);
        const result = await body(txn);
        txn.finish();
        await this.#commit(txn, session);
        return result;
      } catch (error) {
        txn?.finish();
        txn?.release();
        if (!isFlyerError(error) || !RETRYABLE.has(error.code)) throw error;
        if (SESSION_ENDING.has(error.code)) this.#session = undefined;
        if (attempt >= maxRetries) {
          if (error.code === 'KV_UNAVAILABLE') throw error;
          throw new FlyerError('KV_CONFLICT', `gave up after ${attempt + 1} attempts (last: ${error.code})`, { cause: error });
        }
        this.env.sometimes(`kv.client.retry.${error.code}`);
        this.env.metrics.counter('kv_client_retries', { code: error.code }).add();
        await this.env.clock.sleep(this.#backoffNs(attempt + 1));
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #currentSession(): Promise<Session> {
    if (!this.#session) {
      const hello = this.#channel.call(m.kvHello, {});
      this.#session = hello;
      hello.catch(() => {
        if (this.#session === hello) this.#session = undefined;
      });
    }
    return this.#session;
  }

  async #commit(txn: RemoteTransaction, session: Session): Promise<void> {
    const request = await txn.commitRequest(`${this.#clientTag}.${++this.#commits}`, session.bootId);
    if (!request) return;
    try {
      await this.#channel.call(m.kvCommit, request, this.#options.commitTimeoutNs);
    } catch (error) {
      // A read-only transaction wrote nothing: when in doubt, running it again is safe.
      if (!inDoubt(error) || isReadOnly(request)) throw error;
      await this.#resolveOutcome(request, error as FlyerError);
    }
  }

  /** The reply to `request` was lost: ask the service what became of it until it can say. */
  async #resolveOutcome(request: m.CommitRequest, lost: FlyerError): Promise<void> {
    this.env.sometimes('kv.client.commit_in_doubt');
    const deadlineNs = this.env.clock.now() + this.#options.outcomeTimeoutNs;
    for (let attempt = 1; ; attempt++) {
      let reply: m.OutcomeResponse | undefined;
      try {
        reply = await this.#channel.call(m.kvOutcome, { commitId: request.commitId });
      } catch (error) {
        if (!inDoubt(error)) throw error;
      }
      if (reply && reply.bootId !== request.bootId) {
        throw new FlyerError('KV_COMMIT_UNKNOWN_RESULT', `${this.#options.server} restarted while commit ${request.commitId} was in flight`, { cause: lost });
      }
      if (reply?.state === 'committed') return;
      // Fenced off: it will never be applied, so running the body again is safe.
      if (reply?.state === 'never') throw new FlyerError('KV_UNAVAILABLE', `commit ${request.commitId} never reached ${this.#options.server}`, { cause: lost });
      if (reply?.state === 'failed') throw FlyerError.fromWire(reply.errorWire ?? 0, reply.errorDetail ?? '');
      if (this.env.clock.now() >= deadlineNs) {
        throw new FlyerError('KV_COMMIT_UNKNOWN_RESULT', `no answer from ${this.#options.server} about commit ${request.commitId} within ${this.#options.outcomeTimeoutNs} ns`, { cause: lost });
      }
      await this.env.clock.sleep(this.#backoffNs(attempt));
    }
  }

  /** Jittered exponential backoff (FDB's onError): clients that conflicted must not retry in lockstep. */
  #backoffNs(attempt: number): number {
    const { retryBackoffNs, retryBackoffMaxNs } = this.#options;
    return Math.round(Math.min(retryBackoffMaxNs, retryBackoffNs * 2 ** Math.min(attempt - 1, 30)) * (0.5 + this.#random.next()));
  }
}

function isReadOnly(request: m.CommitRequest): boolean {
  return request.writes.length === 0 && request.clears.length === 0;
}

/** A RealEnvOptions.kvFactory `(name, env)` whose stores live on the KV service node `server`. */
export function remoteKvFactory(server: NodeId, options: Omit<RemoteKvOptions, 'server' | 'store'> = {}): (name: string, env: Env) => Promise<KvStore> {
  return (name, env) => RemoteKv.open(env, { ...options, server, store: name });
}
