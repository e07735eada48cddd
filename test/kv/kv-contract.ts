import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import type { KvPair, KvStore, KvTransaction } from '../../system/env/kv.ts';
import { runKvContractProperties } from './kv-contract-properties.ts';

/**
 * The contract every transactional KV backend must pass (in-memory now, LMDB later, FoundationDB
 * maybe): ordered unsigned-byte keys, read-your-writes, snapshot reads, serializable commits with
 * automatic retry on conflict, coded errors. Register it from a test file with a factory that returns
 * a fresh, empty store per call.
 */
export type KvFactory = () => KvStore | Promise<KvStore>;

export interface KvContractOptions {
  /** A key at least this long must be refused with KV_KEY_TOO_LARGE (default 1 MiB). */
  readonly hugeKeyBytes?: number;
  /** A value at least this long must be refused with KV_VALUE_TOO_LARGE (default 16 MiB). */
  readonly hugeValueBytes?: number;
  /** fast-check runs for the property tests (default 60). */
  readonly numRuns?: number;
}

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
const keysOf = (pairs: KvPair[]): string[] => pairs.map((p) => dec(p.key)!);
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A promise with its resolver, to hold a transaction between two of its steps. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => { open = resolve; });
  return { wait, open };
}

async function withStore(makeStore: KvFactory, body: (store: KvStore) => Promise<void>): Promise<void> {
  const store = await makeStore();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

export function runKvContract(name: string, makeStore: KvFactory, options: KvContractOptions = {}): void {
  const numRuns = options.numRuns ?? 60;
  // Each case throws on a broken expectation; ava reports the message.
  const it = (title: string, body: (store: KvStore) => Promise<void>): void => {
    test(`${name}: ${title}`, async (t) => {
      await withStore(makeStore, body);
      t.pass();
    });
  };
  const expectCode = async (promise: Promise<unknown> | (() => unknown), code: string): Promise<void> => {
    try {
      await (typeof promise === 'function' ? promise() : promise);
    } catch (error) {
      if (isFlyerError(error) && error.code === code) return;
      throw new Error(`expected FLYER_ERR_${code}, got ${String(error)}`);
    }
    throw new Error(`expected FLYER_ERR_${code}, but it succeeded`);
  };
  const must = (condition: boolean, message: string): void => {
    if (!condition) throw new Error(message);
  };
  const same = (actual: unknown, expected: unknown, message: string): void => {
    must(JSON.stringify(actual) === JSON.stringify(expected), `${message}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
  };

  it('set then get in a later transaction; absent keys read undefined', async (store) => {
    await store.transact(async (txn) => txn.set(enc('a'), enc('1')));
    same(await store.transact(async (txn) => [dec(await txn.get(enc('a'))), await txn.get(enc('b'))]), ['1', undefined], 'get');
  });

  it('keys order as unsigned bytes, ranges are [begin, end)', async (store) => {
    const keys = [[], [0x00], [0x00, 0x00], [0x01], [0x7f], [0x80], [0x80, 0x01], [0xff], [0xff, 0xff]].map((k) => new Uint8Array(k));
    await store.transact(async (txn) => {
      for (const key of [...keys].reverse()) txn.set(key, new Uint8Array([key.length]));
    });
    const all = await store.transact((txn) => txn.getRange(new Uint8Array(0), new Uint8Array([0xff, 0xff, 0xff])));
    same(all.map((p) => hex(p.key)), keys.map(hex), 'full range order');
    const mid = await store.transact((txn) => txn.getRange(new Uint8Array([0x01]), new Uint8Array([0x80, 0x01])));
    same(mid.map((p) => hex(p.key)), ['01', '7f', '80'], 'begin inclusive, end exclusive');
    same(await store.transact((txn) => txn.getRange(new Uint8Array([0x80]), new Uint8Array([0x01]))), [], 'inverted range reads empty');
  });

  it('range reads honour limit and reverse', async (store) => {
    await store.transact(async (txn) => {
      for (const k of ['a', 'b', 'c', 'd', 'e']) txn.set(enc(k), enc(k.toUpperCase()));
    });
    await store.transact(async (txn) => {
      same(keysOf(await txn.getRange(enc('a'), enc('z'), { limit: 2 })), ['a', 'b'], 'limit');
      same(keysOf(await txn.getRange(enc('a'), enc('z'), { reverse: true })), ['e', 'd', 'c', 'b', 'a'], 'reverse');
      same(keysOf(await txn.getRange(enc('b'), enc('e'), { reverse: true, limit: 2 })), ['d', 'c'], 'reverse+limit');
      same((await txn.getRange(enc('c'), enc('d'))).map((p) => dec(p.value)), ['C'], 'values');
    });
  });

  it('clear and clearRange remove keys; an inverted clearRange is refused', async (store) => {
    await store.transact(async (txn) => {
      for (const k of ['a', 'b', 'c', 'd']) txn.set(enc(k), enc('x'));
    });
    await store.transact(async (txn) => {
      txn.clear(enc('a'));
      txn.clearRange(enc('b'), enc('d'));
      txn.clear(enc('absent'));
    });
    same(keysOf(await store.transact((txn) => txn.getRange(enc(''), enc('z')))), ['d'], 'after clears');
    await expectCode(store.transact(async (txn) => txn.clearRange(enc('d'), enc('a'))), 'KV_INVERTED_RANGE');
  });

  it('reads see the transaction\'s own writes, clears and range clears', async (store) => {
    await store.transact(async (txn) => {
      for (const k of ['a', 'b', 'c']) txn.set(enc(k), enc('old'));
    });
    await store.transact(async (txn) => {
      txn.set(enc('b'), enc('new'));
      same(dec(await txn.get(enc('b'))), 'new', 'own set');
      txn.clear(enc('a'));
      same(await txn.get(enc('a')), undefined, 'own clear');
      txn.clearRange(enc('b'), enc('z'));
      txn.set(enc('bb'), enc('after'));
      same(await txn.get(enc('c')), undefined, 'own clearRange');
      same((await txn.getRange(enc(''), enc('z'))).map((p) => `${dec(p.key)}=${dec(p.value)}`), ['bb=after'], 'merged range');
      txn.set(enc('d'), enc('d'));
      same(keysOf(await txn.getRange(enc(''), enc('z'), { reverse: true, limit: 1 })), ['d'], 'merged reverse');
    });
    same(keysOf(await store.transact((txn) => txn.getRange(enc(''), enc('z')))), ['bb', 'd'], 'committed');
  });

  it('stored and returned bytes are copies', async (store) => {
    const value = enc('abc');
    await store.transact(async (txn) => txn.set(enc('k'), value));
    value[0] = 0x7a;
    const read = await store.transact(async (txn) => txn.get(enc('k')));
    same(dec(read), 'abc', 'input mutated after set');
    read![0] = 0x7a;
    same(dec(await store.transact(async (txn) => txn.get(enc('k')))), 'abc', 'output mutated');
  });

  it('a body that throws commits nothing and is not retried', async (store) => {
    let calls = 0;
    const boom = new Error('boom');
    let caught: unknown;
    await store.transact(async (txn) => {
      calls++;
      txn.set(enc('k'), enc('v'));
      throw boom;
    }).catch((error: unknown) => { caught = error; });
    must(caught === boom, `the body's error propagates unchanged, got ${String(caught)}`);
    same(calls, 1, 'attempts');
    same(await store.transact(async (txn) => txn.get(enc('k'))), undefined, 'nothing committed');
  });

  it('a transaction reads one snapshot even while others commit', async (store) => {
    await store.transact(async (txn) => txn.set(enc('k'), enc('1')));
    const hold = gate();
    const seen: Array<string | undefined> = [];
    const reader = store.transact(async (txn) => {
      seen.push(dec(await txn.get(enc('k'), { snapshot: true })));
      await hold.wait;
      seen.push(dec(await txn.get(enc('k'), { snapshot: true })));
      seen.push(...keysOf(await txn.getRange(enc(''), enc('z'), { snapshot: true })));
    });
    await store.transact(async (txn) => {
      txn.set(enc('k'), enc('2'));
      txn.set(enc('j'), enc('new'));
    });
    hold.open();
    await reader;
    same(seen, ['1', '1', 'k'], 'snapshot');
  });

  it('a read invalidated by a later commit conflicts and the body is retried', async (store) => {
    await store.transact(async (txn) => txn.set(enc('n'), enc('0')));
    const hold = gate();
    let attempts = 0;
    const slow = store.transact(async (txn) => {
      attempts++;
      const n = Number(dec(await txn.get(enc('n'))));
      if (attempts === 1) await hold.wait;
      txn.set(enc('n'), enc(String(n + 10)));
    });
    await store.transact(async (txn) => txn.set(enc('n'), enc(String(Number(dec(await txn.get(enc('n')))) + 1))));
    hold.open();
    await slow;
    same(attempts, 2, 'attempts');
    same(dec(await store.transact(async (txn) => txn.get(enc('n')))), '11', 'serial result');
  });

  it('range reads conflict with inserts into the range; snapshot reads and blind writes do not conflict', async (store) => {
    const hold = gate();
    let rangeAttempts = 0;
    const ranged = store.transact(async (txn) => {
      rangeAttempts++;
      const count = (await txn.getRange(enc('a'), enc('c'))).length;
      if (rangeAttempts === 1) await hold.wait;
      txn.set(enc('count'), enc(String(count)));
    });
    const hold2 = gate();
    let snapAttempts = 0;
    const snap = store.transact(async (txn) => {
      snapAttempts++;
      await txn.getRange(enc('a'), enc('c'), { snapshot: true });
      await txn.get(enc('b'), { snapshot: true });
      await hold2.wait;
      txn.set(enc('z-blind'), enc('1'));
    });
    await store.transact(async (txn) => txn.set(enc('b'), enc('inserted')));
    hold.open();
    hold2.open();
    await Promise.all([ranged, snap]);
    same([rangeAttempts, snapAttempts], [2, 1], 'attempts (range, snapshot)');
    same(dec(await store.transact(async (txn) => txn.get(enc('count')))), '1', 'retried range saw the insert');
  });

  it('read-only transactions never conflict', async (store) => {
    const hold = gate();
    let attempts = 0;
    const reader = store.transact(async (txn) => {
      attempts++;
      await txn.get(enc('k'));
      await hold.wait;
    });
    await store.transact(async (txn) => txn.set(enc('k'), enc('v')));
    hold.open();
    await reader;
    same(attempts, 1, 'attempts');
  });

  it('retries run out with KV_CONFLICT', async (store) => {
    const hold = gate();
    const doomed = store.transact(async (txn) => {
      await txn.get(enc('k'));
      await hold.wait;
      txn.set(enc('other'), enc('x'));
    }, { maxRetries: 0 });
    await store.transact(async (txn) => txn.set(enc('k'), enc('v')));
    hold.open();
    await expectCode(doomed, 'KV_CONFLICT');
    same(await store.transact(async (txn) => txn.get(enc('other'))), undefined, 'nothing committed');
  });

  it('a transaction used after it finished is refused', async (store) => {
    let leaked: KvTransaction | undefined;
    await store.transact(async (txn) => { leaked = txn; });
    await expectCode(() => leaked!.set(enc('k'), enc('v')), 'KV_TRANSACTION_DONE');
    await expectCode(leaked!.get(enc('k')), 'KV_TRANSACTION_DONE');
  });

  it('oversized keys and values are refused with coded errors', async (store) => {
    const hugeKey = new Uint8Array(options.hugeKeyBytes ?? 1 << 20);
    const hugeValue = new Uint8Array(options.hugeValueBytes ?? 16 << 20);
    await expectCode(store.transact(async (txn) => txn.set(hugeKey, enc('v'))), 'KV_KEY_TOO_LARGE');
    await expectCode(store.transact(async (txn) => txn.get(hugeKey)), 'KV_KEY_TOO_LARGE');
    await expectCode(store.transact(async (txn) => txn.set(enc('k'), hugeValue)), 'KV_VALUE_TOO_LARGE');
  });

  test(`${name}: a closed store refuses transactions`, async (t) => {
    const store = await makeStore();
    await store.close();
    const error = await t.throwsAsync(store.transact(async () => 1));
    t.true(isFlyerError(error, 'KV_STORE_CLOSED'), String(error));
  });

  runKvContractProperties(name, makeStore, numRuns);
}
