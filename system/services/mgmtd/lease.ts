import { FlyerError } from '../../env/errors.ts';
import type { KvTransaction } from '../../env/kv.ts';
import type { NodeId } from '../../env/types.ts';
import { readLease, type MgmtdLease } from './mgmtd-store.ts';
import { notPrimaryError } from './mgmtd-errors.ts';

/**
 * Primary election by a lease row in the KV (3FS `MgmtdStore::extendLease`, 3fs-notes §1.1). Every
 * manager calls this every extend interval; the rules, in order:
 *   no lease stored               -> take it;
 *   stored lease long enough      -> leave it (whoever holds it);
 *   stored lease expired          -> take it with a new start;
 *   held by me                    -> push the end out, keep the start;
 *   someone else holds a live one -> leave it.
 * Times are wall-clock ns (env.clock.wallNs), as 3FS uses UtcClock. 3FS's release-version check
 * (an older binary may not take over from a newer one) has no counterpart here.
 */
export function decideLease(stored: MgmtdLease | undefined, self: NodeId, nowNs: number, leaseLengthNs: number): { lease: MgmtdLease; write: boolean } {
  const fresh: MgmtdLease = { primary: self, leaseStartNs: nowNs, leaseEndNs: nowNs + leaseLengthNs };
  if (!stored) return { lease: fresh, write: true };
  if (stored.leaseEndNs >= nowNs + leaseLengthNs) return { lease: stored, write: false };
  if (stored.leaseEndNs < nowNs) return { lease: fresh, write: true };
  if (stored.primary === self) return { lease: { ...fresh, leaseStartNs: stored.leaseStartNs }, write: true };
  return { lease: stored, write: false };
}

/**
 * Validate-lease-on-write (3FS `ensureLeaseValid`, validate_lease_on_write): a mutating transaction
 * reads the lease inside itself, so it conflicts with (and cannot commit across) a takeover.
 */
export async function ensureLeaseValid(txn: KvTransaction, self: NodeId, nowNs: number): Promise<MgmtdLease> {
  const lease = await readLease(txn);
  if (!lease || lease.primary !== self || lease.leaseEndNs < nowNs) {
    const holder = lease && lease.leaseEndNs >= nowNs ? lease.primary : undefined;
    throw new FlyerError('MGMTD_LEASE_LOST', `${self} no longer holds the lease${holder ? `; ${notPrimaryError(holder).detail}` : ''}`);
  }
  return lease;
}
