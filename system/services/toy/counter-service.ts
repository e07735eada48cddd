import { assert } from '../../env/assert.ts';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { Env, NodeId } from '../../env/types.ts';
import { loadCounterState, saveCounterState } from './durable-state.ts';
import { toyApply, toyIncrement, toyRead, type CounterState } from './messages.ts';

export interface CounterServiceOptions {
  readonly leader: NodeId;
  readonly followers: readonly NodeId[];
  /** How often the leader pushes its state to followers, so stragglers converge after faults. */
  readonly syncIntervalNs?: number;
  readonly replicateTimeoutNs?: number;
}

/**
 * One replica of the toy counter. The leader applies increments one at a time: it persists the new
 * state, replicates it, and acknowledges once a majority (itself and at least one follower) holds it.
 * Followers adopt any state with a newer version. Restart = load the newest valid state from disk.
 */
export class CounterService {
  #state: CounterState;
  #applyChain: Promise<unknown> = Promise.resolve();
  readonly #isLeader: boolean;

  private constructor(private readonly env: Env, private readonly options: CounterServiceOptions, state: CounterState) {
    this.#state = state;
    this.#isLeader = env.nodeId === options.leader;
  }

  static async start(env: Env, options: CounterServiceOptions): Promise<CounterService> {
    const state = await loadCounterState(env.disk);
    const service = new CounterService(env, options, state);
    env.rpc.serve(toyRead, async () => ({ value: service.#state.value, version: service.#state.version }));
    env.rpc.serve(toyApply, (request) => service.#adopt(request.state));
    env.rpc.serve(toyIncrement, (request) => {
      if (!service.#isLeader) throw new FlyerError('TOY_NOT_LEADER', `${env.nodeId} is a follower`);
      return service.#serialized(() => service.#increment(request.clientId, request.seq));
    });
    env.log.info('toy counter started', { value: state.value, version: state.version, leader: service.#isLeader });
    if (service.#isLeader) void service.#syncLoop();
    return service;
  }

  get state(): CounterState {
    return this.#state;
  }

  async #increment(clientId: string, seq: number): Promise<{ value: number }> {
    if (typeof clientId !== 'string' || !Number.isSafeInteger(seq)) {
      throw new FlyerError('INVALID_ARGUMENT', 'increment needs a string clientId and an integer seq');
    }
    const previous = this.#state.lastApplied[clientId];
    if (previous && previous[0] >= seq) {
      this.env.sometimes('toy: retried increment answered from the dedupe table');
      if (previous[0] === seq) return { value: previous[1] };
      throw new FlyerError('INVALID_ARGUMENT', `seq ${seq} of ${clientId} is older than its last (${previous[0]})`);
    }
    const next: CounterState = {
      value: this.#state.value + 1,
      version: this.#state.version + 1,
      lastApplied: { ...this.#state.lastApplied, [clientId]: [seq, this.#state.value + 1] },
    };
    await saveCounterState(this.env.disk, next);
    this.#state = next;
    const acks = await this.#replicate(next);
    if (acks < 1) throw new FlyerError('TOY_REPLICATION_FAILED', `no follower acknowledged version ${next.version}`);
    return { value: next.value };
  }

  /** Sends `state` to every follower; returns how many acknowledged it. */
  async #replicate(state: CounterState): Promise<number> {
    const timeoutNs = this.options.replicateTimeoutNs ?? 200_000_000;
    const results = await Promise.all(this.options.followers.map((follower) =>
      this.env.rpc.call(follower, toyApply, { state }, { timeoutNs }).then(
        (reply) => reply.version >= state.version,
        (error: unknown) => {
          if (!isFlyerError(error)) throw error;
          return false;
        },
      )));
    return results.filter(Boolean).length;
  }

  async #adopt(state: CounterState): Promise<{ value: number; version: number }> {
    if (!Number.isSafeInteger(state?.version) || !Number.isSafeInteger(state?.value)) {
      throw new FlyerError('INVALID_ARGUMENT', 'apply needs an integer value and version');
    }
    await this.#serialized(async () => {
      if (state.version <= this.#state.version) return;
      assert(state.value >= this.#state.value, `newer version ${state.version} has a smaller value`);
      await saveCounterState(this.env.disk, state);
      this.#state = state;
    });
    return { value: this.#state.value, version: this.#state.version };
  }

  /** Runs state changes one at a time, in arrival order. */
  #serialized<T>(body: () => Promise<T>): Promise<T> {
    const result = this.#applyChain.then(body);
    this.#applyChain = result.catch(() => undefined);
    return result;
  }

  async #syncLoop(): Promise<void> {
    const intervalNs = this.options.syncIntervalNs ?? 50_000_000;
    for (;;) {
      await this.env.clock.sleep(intervalNs);
      await this.#replicate(this.#state);
    }
  }
}
