import { FlyerError } from '../../system/env/errors.ts';
import type { KvStore, KvTransaction } from '../../system/env/kv.ts';
import { MemoryKv, type MemoryKvOptions } from '../../system/env/kv-memory.ts';
import type { Env } from '../../system/env/types.ts';

/**
 * The simulated cluster's transactional KV: one {@link MemoryKv} per name, shared by every node, like an
 * external FoundationDB cluster that never fails. Each node gets a handle whose transactions are charged
 * latency on that node's clock, so a crashed node's pending transaction simply never completes (its
 * wakes are dropped) and commits nothing, as if its commit never reached the cluster.
 *
 * @example
 * const kv = new SimKvCluster();
 * const sim = new Simulation({ seed, kvFactory: kv.factory });
 */
export interface SimKvOptions {
  /** Charged before the read version is taken (FDB GetReadVersion). Default 0.5 ms. */
  readonly beginLatencyNs?: number;
  /** Charged before a transaction with writes commits. Default 1 ms. */
  readonly commitLatencyNs?: number;
  /** First retry backoff after a conflict; doubles per retry up to `retryBackoffMaxNs`, with jitter. */
  readonly retryBackoffNs?: number;
  readonly retryBackoffMaxNs?: number;
  readonly memory?: MemoryKvOptions;
}

export class SimKvCluster {
  readonly #stores = new Map<string, MemoryKv>();
  readonly #options: Required<Omit<SimKvOptions, 'memory'>> & { memory: MemoryKvOptions };

  constructor(options: SimKvOptions = {}) {
    this.#options = {
      beginLatencyNs: options.beginLatencyNs ?? 500_000,
      commitLatencyNs: options.commitLatencyNs ?? 1_000_000,
      retryBackoffNs: options.retryBackoffNs ?? 1_000_000,
      retryBackoffMaxNs: options.retryBackoffMaxNs ?? 100_000_000,
      memory: options.memory ?? {},
    };
  }

  /** Pass as `Simulation`'s `kvFactory`. */
  readonly factory = async (env: Env, name: string): Promise<KvStore> => new SimKvHandle(env, this.store(name), this.#options);

  /** The shared store behind `name` (created on first use), for checkers and tests to inspect. */
  store(name: string): MemoryKv {
    let store = this.#stores.get(name);
    if (!store) this.#stores.set(name, (store = new MemoryKv(this.#options.memory)));
    return store;
  }
}

/** Shorthand: a factory over a fresh {@link SimKvCluster}. */
export function simKvFactory(options: SimKvOptions = {}): (env: Env, name: string) => Promise<KvStore> {
  return new SimKvCluster(options).factory;
}

class SimKvHandle implements KvStore {
  #closed = false;

  constructor(
    private readonly env: Env,
    private readonly store: MemoryKv,
    private readonly options: Required<Omit<SimKvOptions, 'memory'>>,
  ) {}

  transact<T>(body: (txn: KvTransaction) => Promise<T>, options: { maxRetries?: number } = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new FlyerError('KV_STORE_CLOSED', `kv handle of ${this.env.nodeId}`));
    const { beginLatencyNs, commitLatencyNs, retryBackoffNs, retryBackoffMaxNs } = this.options;
    const random = this.env.random('sim.kv');
    return this.store.transactWith(body, {
      ...options,
      beforeBegin: () => this.env.clock.sleep(beginLatencyNs),
      beforeCommit: () => this.env.clock.sleep(commitLatencyNs),
      // Jittered exponential backoff (FDB's onError): two nodes that conflicted must not retry in lockstep.
      beforeRetry: (attempt) => this.env.clock.sleep(Math.min(retryBackoffMaxNs, retryBackoffNs * 2 ** Math.min(attempt - 1, 20)) * (0.5 + random.next())),
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
