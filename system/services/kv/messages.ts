import { defineMethod } from '../../env/types.ts';

/**
 * The wire protocol of the networked KV service (kv-service.ts) and its client (remote-kv.ts): a
 * FoundationDB-like split where the client buffers writes and the service holds each transaction's read
 * snapshot and read-conflict set. Keys and values travel as raw bytes.
 *
 * A remote transaction: `begin` (the service opens a transaction on its store and keeps it under a
 * txn id), any number of `get` / `getRange` against it, then one `commit` carrying the buffered writes
 * (or `abort`). A transaction that never read commits without `begin`; one that only read commits no
 * writes, answered once what it read is durable. Every commit carries an id the client chose, so when
 * its reply is lost the client can ask `outcome` what became of it.
 */
export const KV_SERVICE_ID = 700;

/** What the service accepts; the client refuses oversized writes before sending them. */
export interface KvLimits {
  readonly keySizeMaxBytes: number;
  readonly valueSizeMaxBytes: number;
  readonly transactionSizeMaxBytes: number;
}

export interface HelloResponse {
  /**
   * Names this incarnation of the service. Transactions and commit outcomes live only as long as it,
   * so a client that sees a new boot id knows anything it had in flight may have been lost.
   */
  readonly bootId: string;
  readonly limits: KvLimits;
}

export interface BeginRequest {
  /** The named store (one of the service's KvStores, e.g. `meta` or `mgmtd`). */
  readonly store: string;
}

export interface BeginResponse {
  readonly txnId: string;
  readonly bootId: string;
}

export interface GetRequest {
  readonly txnId: string;
  readonly key: Uint8Array;
  readonly snapshot?: boolean;
}

export interface GetResponse {
  /** Absent when the key is absent. */
  readonly value?: Uint8Array;
}

export interface GetRangeRequest {
  readonly txnId: string;
  readonly begin: Uint8Array;
  readonly end: Uint8Array;
  readonly limit?: number;
  readonly reverse?: boolean;
  readonly snapshot?: boolean;
}

export interface GetRangeResponse {
  readonly pairs: ReadonlyArray<readonly [key: Uint8Array, value: Uint8Array]>;
  /**
   * True when the reply stopped at the limit or at the service's batch cap: there may be more keys
   * after the last one (before it, when reversed).
   */
  readonly more: boolean;
}

export interface CommitRequest {
  readonly store: string;
  /** Chosen by the client, unique per attempt: what `outcome` asks about. */
  readonly commitId: string;
  /** The service incarnation the client addresses; a commit to another one is refused. */
  readonly bootId: string;
  /** Absent for a transaction that never read (a blind write). */
  readonly txnId?: string;
  /** Range clears, applied before `writes` (the client's buffer already dropped writes they cover). */
  readonly clears: ReadonlyArray<readonly [begin: Uint8Array, end: Uint8Array]>;
  /** Point writes; a null value clears the key. */
  readonly writes: ReadonlyArray<readonly [key: Uint8Array, value: Uint8Array | null]>;
}

export interface OutcomeRequest {
  readonly commitId: string;
}

/**
 * `never`: the commit had not arrived, and now never will be applied (the id is fenced off).
 * `committing`: still being applied (waiting for its log sync); ask again.
 */
export type CommitState = 'committed' | 'failed' | 'committing' | 'never';

export interface OutcomeResponse {
  readonly bootId: string;
  readonly state: CommitState;
  /** For `failed`: the error it failed with. */
  readonly errorWire?: number;
  readonly errorDetail?: string;
}

export interface AbortRequest {
  readonly txnId: string;
}

export type Ok = Record<string, never>;

export const kvHello = defineMethod<Record<string, never>, HelloResponse>(KV_SERVICE_ID, 1, 'kv.hello');
export const kvBegin = defineMethod<BeginRequest, BeginResponse>(KV_SERVICE_ID, 2, 'kv.begin');
export const kvGet = defineMethod<GetRequest, GetResponse>(KV_SERVICE_ID, 3, 'kv.get');
export const kvGetRange = defineMethod<GetRangeRequest, GetRangeResponse>(KV_SERVICE_ID, 4, 'kv.getRange');
export const kvCommit = defineMethod<CommitRequest, Ok>(KV_SERVICE_ID, 5, 'kv.commit');
export const kvOutcome = defineMethod<OutcomeRequest, OutcomeResponse>(KV_SERVICE_ID, 6, 'kv.outcome');
export const kvAbort = defineMethod<AbortRequest, Ok>(KV_SERVICE_ID, 7, 'kv.abort');
