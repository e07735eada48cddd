import type { KvStore } from '../../env/kv.ts';
import type { MetaTxn } from './meta-txn.ts';
import { decodeValue, encodeValue, keys, prefixEnd } from './schema.ts';

/** Records are kept this long (3FS: 30 minutes), then pruned. */
export const IDEMPOTENCY_TTL_NS = 30 * 60 * 1_000_000_000;

interface IdempotencyRecord {
  readonly atNs: number;
  readonly result: unknown;
}

/**
 * Runs a namespace change at most once per request id (3fs-notes §1.2 IDEM): the result is stored in the
 * same transaction as the change, so a retry whose first attempt committed gets that result back
 * instead of redoing the change (and failing with EEXIST or ENOENT). An attempt that failed stored
 * nothing and simply runs again.
 */
export async function once<T>(mt: MetaTxn, requestId: string, body: () => Promise<T>): Promise<T> {
  const key = keys.idempotency(requestId);
  const stored = await mt.txn.get(key);
  if (stored) return decodeValue<IdempotencyRecord>(stored).result as T;
  const result = await body();
  mt.txn.set(key, encodeValue({ atNs: mt.nowNs, result } satisfies IdempotencyRecord));
  return result;
}

/**
 * The stored result of `requestId` if an earlier attempt committed. For operations that do work before
 * their transaction (truncate cuts chunks first): a retry must not redo that work, nor fail on state that
 * changed since its first attempt succeeded.
 */
export async function recorded<T>(mt: MetaTxn, requestId: string): Promise<{ readonly result: T } | undefined> {
  const stored = await mt.txn.get(keys.idempotency(requestId), { snapshot: true });
  return stored ? { result: decodeValue<IdempotencyRecord>(stored).result as T } : undefined;
}

/** Deletes records older than the TTL, a batch at a time; returns how many went. */
export async function pruneIdempotency(kv: KvStore, nowNs: number, batch = 512): Promise<number> {
  return kv.transact(async (txn) => {
    const prefix = keys.allIdempotency();
    const pairs = await txn.getRange(prefix, prefixEnd(prefix), { limit: batch, snapshot: true });
    let pruned = 0;
    for (const pair of pairs) {
      if (decodeValue<IdempotencyRecord>(pair.value).atNs + IDEMPOTENCY_TTL_NS < nowNs) {
        txn.clear(pair.key);
        pruned++;
      }
    }
    return pruned;
  });
}
