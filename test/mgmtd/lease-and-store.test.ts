import test from 'ava';
import fc from 'fast-check';
import { isFlyerError } from '../../system/env/errors.ts';
import { MemoryKv } from '../../system/env/kv-memory.ts';
import { decideLease, ensureLeaseValid } from '../../system/services/mgmtd/lease.ts';
import { lastHeartbeatVersion, notPrimaryError, primaryHint, staleHeartbeatError } from '../../system/services/mgmtd/mgmtd-errors.ts';
import { resolveMgmtdOptions } from '../../system/services/mgmtd/mgmtd-options.ts';
import {
  loadMgmtdState, MgmtdKeys, readLease, writeChain, writeLease, writeNode, writeRoutingVersion, writeTable, writeTarget, type MgmtdLease,
} from '../../system/services/mgmtd/mgmtd-store.ts';

// Goal: the lease rules are 3FS's and never let two managers hold overlapping leases; lease validation
// inside a transaction refuses a manager that lost it; the key schema sorts ids numerically and the
// state round-trips through the KV; options and error details are checked and parsed in one place.

const LEN = 1_000;

test('lease rules: take when absent or expired, extend my own keeping its start, leave a live foreign one', (t) => {
  t.deepEqual(decideLease(undefined, 'a', 100, LEN), { lease: { primary: 'a', leaseStartNs: 100, leaseEndNs: 1100 }, write: true });
  const bs: MgmtdLease = { primary: 'b', leaseStartNs: 0, leaseEndNs: 1000 };
  t.deepEqual(decideLease(bs, 'a', 500, LEN), { lease: bs, write: false }, 'live foreign lease');
  t.deepEqual(decideLease(bs, 'a', 1000, LEN), { lease: bs, write: false }, 'ends exactly now: still live');
  t.deepEqual(decideLease(bs, 'a', 1001, LEN), { lease: { primary: 'a', leaseStartNs: 1001, leaseEndNs: 2001 }, write: true }, 'expired');
  t.deepEqual(decideLease(bs, 'b', 500, LEN), { lease: { primary: 'b', leaseStartNs: 0, leaseEndNs: 1500 }, write: true }, 'extend mine');
  const long: MgmtdLease = { primary: 'b', leaseStartNs: 0, leaseEndNs: 5000 };
  t.deepEqual(decideLease(long, 'b', 500, LEN), { lease: long, write: false }, 'long enough already');
});

test('property: leases handed between managers never overlap', (t) => {
  fc.assert(fc.property(fc.array(fc.record({ who: fc.constantFrom('a', 'b', 'c'), stepNs: fc.integer({ min: 0, max: 700 }) }), { maxLength: 60 }), (calls) => {
    let stored: MgmtdLease | undefined;
    let nowNs = 0;
    for (const { who, stepNs } of calls) {
      nowNs += stepNs;
      const { lease, write } = decideLease(stored, who, nowNs, LEN);
      if (write && stored && lease.primary !== stored.primary && lease.leaseStartNs <= stored.leaseEndNs) return false;
      if (write && stored && lease.primary === stored.primary && lease.leaseStartNs !== stored.leaseStartNs && stored.leaseEndNs >= nowNs) return false;
      stored = lease;
    }
    return true;
  }), { numRuns: 500 });
  t.pass();
});

test('ensureLeaseValid refuses a manager whose lease is gone, naming the holder', async (t) => {
  const kv = new MemoryKv();
  await kv.transact(async (txn) => writeLease(txn, { primary: 'a', leaseStartNs: 0, leaseEndNs: 1000 }));
  t.is((await kv.transact((txn) => ensureLeaseValid(txn, 'a', 999))).primary, 'a');
  const lost = await t.throwsAsync(kv.transact((txn) => ensureLeaseValid(txn, 'b', 500)));
  t.true(isFlyerError(lost, 'MGMTD_LEASE_LOST'));
  t.is(primaryHint(lost as never), 'a');
  const expired = await t.throwsAsync(kv.transact((txn) => ensureLeaseValid(txn, 'a', 1001)));
  t.true(isFlyerError(expired, 'MGMTD_LEASE_LOST'));
  t.is(primaryHint(expired as never), undefined);
});

test('keys: 4-byte prefixes, ids big-endian so they sort numerically', (t) => {
  const cmp = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);
  t.is(new TextDecoder().decode(MgmtdKeys.chain(1).subarray(0, 4)), 'CHIF');
  t.is(MgmtdKeys.target(1).length, 12);
  t.true(cmp(MgmtdKeys.target(255), MgmtdKeys.target(256)) < 0);
  t.true(cmp(MgmtdKeys.target(256), MgmtdKeys.target(2 ** 40)) < 0);
  t.true(cmp(MgmtdKeys.table(1, 9), MgmtdKeys.table(1, 10)) < 0);
  t.true(cmp(MgmtdKeys.table(1, 2 ** 33), MgmtdKeys.table(2, 1)) < 0);
});

test('the persisted state round-trips through the KV', async (t) => {
  const kv = new MemoryKv();
  const chain = { chainId: 100001, chainVersion: 3, targets: [{ targetId: 100101, publicState: 'SERVING' as const }] };
  const table = { tableId: 1, tableVersion: 2, chainIds: [100001] };
  await kv.transact(async (txn) => {
    writeNode(txn, { nodeId: 'storage-1', type: 'STORAGE' });
    writeTarget(txn, { targetId: 100101, nodeId: 'storage-1', diskIndex: 0, chainId: 100001 });
    writeChain(txn, chain);
    writeTable(txn, table);
    writeRoutingVersion(txn, 42);
    writeLease(txn, { primary: 'm', leaseStartNs: 1, leaseEndNs: 2 });
  });
  const state = await kv.transact((txn) => loadMgmtdState(txn));
  t.deepEqual(state, {
    routingVersion: 42,
    nodes: [{ nodeId: 'storage-1', type: 'STORAGE' }],
    targets: [{ targetId: 100101, nodeId: 'storage-1', diskIndex: 0, chainId: 100001 }],
    chains: [chain],
    tables: [table],
  });
  t.deepEqual(await kv.transact((txn) => readLease(txn)), { primary: 'm', leaseStartNs: 1, leaseEndNs: 2 });
});

test('options: 3FS defaults, overridable, bad values refused', (t) => {
  const defaults = resolveMgmtdOptions();
  t.is(defaults.leaseLengthNs, 60e9);
  t.is(defaults.updateChainsIntervalNs, 1e9);
  t.is(resolveMgmtdOptions({ heartbeatFailNs: 1e9 }).heartbeatFailNs, 1e9);
  for (const bad of [{ leaseLengthNs: 0 }, { checkIntervalNs: -1 }, { heartbeatFailNs: 1.5 }, { extendLeaseIntervalNs: 60e9 }, { kvName: '' }]) {
    t.true(isFlyerError(t.throws(() => resolveMgmtdOptions(bad)), 'INVALID_ARGUMENT'), JSON.stringify(bad));
  }
});

test('error details carry the primary and the last heartbeat version', (t) => {
  t.is(primaryHint(notPrimaryError('mgmtd-2', 'asked mgmtd-1')), 'mgmtd-2');
  t.is(primaryHint(notPrimaryError(undefined)), undefined);
  t.is(lastHeartbeatVersion(staleHeartbeatError('storage-1', 77, 3)), 77);
});
