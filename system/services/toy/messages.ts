import { defineMethod } from '../../env/types.ts';

/**
 * The toy replicated counter: the smallest service that exercises everything the real ones need
 * (RPC with deadlines, durable state, replication, exactly-once retries, crash recovery), written
 * once and run both in simulation and as OS processes.
 */
export const TOY_SERVICE_ID = 900;

export interface IncrementRequest {
  readonly clientId: string;
  /** Per-client sequence number; a retry reuses it, so an increment applies at most once. */
  readonly seq: number;
}
export interface IncrementResponse {
  /** The counter's value right after this increment. */
  readonly value: number;
}
export interface ReadResponse {
  readonly value: number;
  readonly version: number;
}
export interface ApplyRequest {
  readonly state: CounterState;
}

export interface CounterState {
  readonly value: number;
  /** Bumped on every change; followers adopt a state only if its version is newer. */
  readonly version: number;
  /** clientId -> [last applied seq, value it produced], for exactly-once retries. */
  readonly lastApplied: Readonly<Record<string, readonly [number, number]>>;
}

export const toyIncrement = defineMethod<IncrementRequest, IncrementResponse>(TOY_SERVICE_ID, 1, 'toy.increment');
export const toyRead = defineMethod<Record<string, never>, ReadResponse>(TOY_SERVICE_ID, 2, 'toy.read');
export const toyApply = defineMethod<ApplyRequest, ReadResponse>(TOY_SERVICE_ID, 3, 'toy.apply');

export const EMPTY_COUNTER: CounterState = { value: 0, version: 0, lastApplied: {} };
