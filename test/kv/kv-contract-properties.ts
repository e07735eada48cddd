import test from 'ava';
import fc from 'fast-check';
import type { KvStore, KvTransaction } from '../../system/env/kv.ts';
import type { KvFactory } from './kv-contract.ts';

/**
 * The property half of the KV contract (see kv-contract.ts): random sequential transactions against
 * a sorted-map model, and random interleavings (fast-check's scheduler) of concurrent transactions
 * that must come out serializable.
 */
const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

async function withStore(makeStore: KvFactory, body: (store: KvStore) => Promise<void>): Promise<void> {
  const store = await makeStore();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

function same(actual: unknown, expected: unknown, message: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${message}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
}

export function runKvContractProperties(name: string, makeStore: KvFactory, numRuns: number): void {
  test(`${name}: property: sequential transactions match a sorted-map model`, async (t) => {
    await fc.assert(fc.asyncProperty(fc.array(transactionArb, { minLength: 1, maxLength: 12 }), async (txns) => {
      await withStore(makeStore, async (store) => {
        let model = new Map<string, string>();
        for (const { ops, abort } of txns) {
          const view = new Map(model);
          await store.transact(async (txn) => {
            for (const op of ops) await applyOp(txn, view, op);
            if (abort) throw new AbortBody();
          }).catch((error: unknown) => {
            if (!(error instanceof AbortBody)) throw error;
          });
          if (!abort) model = view;
        }
        const all = await store.transact((txn) => txn.getRange(new Uint8Array(0), new Uint8Array([0xff, 0xff, 0xff, 0xff])));
        same(all.map((p) => [hex(p.key), hex(p.value)]), [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), 'final state');
      });
    }), { numRuns });
    t.pass();
  });

  test(`${name}: property: N interleaved increments of one counter end at N`, async (t) => {
    await fc.assert(fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 8 }), async (s, n) => {
      await withStore(makeStore, async (store) => {
        const key = enc('counter');
        await store.transact(async (txn) => txn.set(key, enc('0')));
        const runs = Array.from({ length: n }, () => store.transact(async (txn) => {
          const value = Number(dec(await s.schedule(txn.get(key))));
          await s.schedule(Promise.resolve());
          txn.set(key, enc(String(value + 1)));
        }, { maxRetries: 1_000 }));
        await s.waitFor(Promise.all(runs));
        same(dec(await store.transact(async (txn) => txn.get(key))), String(n), 'counter');
      });
    }), { numRuns });
    t.pass();
  });

  test(`${name}: property: interleaved bank transfers keep the total, and every audit sees it`, async (t) => {
    const accounts = 5;
    const account = (i: number): Uint8Array => enc(`acct/${i}`);
    const transferArb = fc.record({ from: fc.nat(accounts - 1), to: fc.nat(accounts - 1), amount: fc.integer({ min: 1, max: 80 }) });
    await fc.assert(fc.asyncProperty(fc.scheduler(), fc.array(transferArb, { minLength: 1, maxLength: 8 }), fc.nat(3), async (s, transfers, audits) => {
      await withStore(makeStore, async (store) => {
        await store.transact(async (txn) => {
          for (let i = 0; i < accounts; i++) txn.set(account(i), enc('100'));
        });
        const seenTotals: number[] = [];
        const runs: Array<Promise<unknown>> = transfers.map(({ from, to, amount }) => store.transact(async (txn) => {
          const a = Number(dec(await s.schedule(txn.get(account(from)))));
          const b = Number(dec(await s.schedule(txn.get(account(to)))));
          if (from === to || a < amount) return;
          txn.set(account(from), enc(String(a - amount)));
          await s.schedule(Promise.resolve());
          txn.set(account(to), enc(String(b + amount)));
        }, { maxRetries: 1_000 }));
        for (let i = 0; i < audits; i++) {
          runs.push(store.transact(async (txn) => {
            const pairs = await s.schedule(txn.getRange(enc('acct/'), enc('acct0')));
            seenTotals.push(pairs.reduce((sum, p) => sum + Number(dec(p.value)), 0));
          }));
        }
        await s.waitFor(Promise.all(runs));
        const final = await store.transact((txn) => txn.getRange(enc('acct/'), enc('acct0')));
        const balances = final.map((p) => Number(dec(p.value)));
        if (!balances.every((b) => b >= 0)) throw new Error(`negative balance: ${balances.join(',')}`);
        same([...seenTotals, balances.reduce((x, y) => x + y, 0)], Array(audits + 1).fill(100 * accounts), 'totals');
      });
    }), { numRuns });
    t.pass();
  });
}

class AbortBody extends Error {}

type Op =
  | { kind: 'set'; key: Uint8Array; value: Uint8Array }
  | { kind: 'clear'; key: Uint8Array }
  | { kind: 'clearRange'; begin: Uint8Array; end: Uint8Array }
  | { kind: 'get'; key: Uint8Array; snapshot: boolean }
  | { kind: 'getRange'; begin: Uint8Array; end: Uint8Array; limit: number | undefined; reverse: boolean };

// Few distinct bytes, both sides of 0x80, so signed/unsigned and prefix ordering mistakes show up.
const keyArb = fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff), { maxLength: 3 }).map((b) => new Uint8Array(b));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: keyArb, value: fc.uint8Array({ maxLength: 4 }) }),
  fc.record({ kind: fc.constant('clear' as const), key: keyArb }),
  fc.record({ kind: fc.constant('clearRange' as const), begin: keyArb, end: keyArb }),
  fc.record({ kind: fc.constant('get' as const), key: keyArb, snapshot: fc.boolean() }),
  fc.record({ kind: fc.constant('getRange' as const), begin: keyArb, end: keyArb, limit: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), reverse: fc.boolean() }),
);
const transactionArb = fc.record({ ops: fc.array(opArb, { maxLength: 10 }), abort: fc.boolean() });

/** Applies `op` to the transaction and to the model view; reads must agree. */
async function applyOp(txn: KvTransaction, view: Map<string, string>, op: Op): Promise<void> {
  const check = (actual: unknown, expected: unknown): void => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${op.kind}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
  };
  switch (op.kind) {
    case 'set':
      txn.set(op.key, op.value);
      view.set(hex(op.key), hex(op.value));
      return;
    case 'clear':
      txn.clear(op.key);
      view.delete(hex(op.key));
      return;
    case 'clearRange': {
      const [b, e] = [hex(op.begin), hex(op.end)];
      if (b > e) return; // refused; covered by the unit test
      txn.clearRange(op.begin, op.end);
      for (const key of [...view.keys()]) if (key >= b && key < e) view.delete(key);
      return;
    }
    case 'get': {
      const value = await txn.get(op.key, { snapshot: op.snapshot });
      check(value === undefined ? undefined : hex(value), view.get(hex(op.key)));
      return;
    }
    case 'getRange': {
      const [b, e] = [hex(op.begin), hex(op.end)];
      let expected = [...view].filter(([k]) => k >= b && k < e).sort(([x], [y]) => (x < y ? -1 : 1));
      if (op.reverse) expected.reverse();
      if (op.limit !== undefined) expected = expected.slice(0, op.limit);
      const pairs = await txn.getRange(op.begin, op.end, { limit: op.limit, reverse: op.reverse });
      check(pairs.map((p) => [hex(p.key), hex(p.value)]), expected);
    }
  }
}
