import test from 'ava';
import { runKvContract } from './kv-contract.ts';
import { simDrivenRemoteKv } from './sim-driven-kv.ts';

// Goal: the networked KV (RemoteKv clients of a KvService) passes the backend contract in simulation,
// also when the service answers range reads in tiny batches (the client's merge of service keys with its
// buffered writes must then ask again, and still see exactly what MemoryKv would).

let seed = 0;
runKvContract('RemoteKv (simulated)', () => simDrivenRemoteKv(++seed), { numRuns: 30 });
runKvContract('RemoteKv (simulated, 2-pair range batches)', () => simDrivenRemoteKv(++seed, { rangePairsMax: 2 }), { numRuns: 30 });

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const keysOf = (pairs: Array<{ key: Uint8Array }>): string[] => pairs.map((p) => new TextDecoder().decode(p.key));

test('range reads merge buffered writes and clears with service keys fetched in batches', async (t) => {
  const store = await simDrivenRemoteKv(1000, { rangePairsMax: 2 });
  await store.transact(async (txn) => {
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) txn.set(enc(k), enc(k));
  });
  const seen = await store.transact(async (txn) => {
    txn.set(enc('c5'), enc('local'));
    txn.clearRange(enc('a'), enc('b5'));
    txn.set(enc('0'), enc('before all'));
    return [
      keysOf(await txn.getRange(enc(''), enc('z'), { limit: 3 })),
      keysOf(await txn.getRange(enc(''), enc('z'), { limit: 3, reverse: true })),
      keysOf(await txn.getRange(enc('b'), enc('z'), { limit: 2 })),
      keysOf(await txn.getRange(enc(''), enc('z'))),
      keysOf(await txn.getRange(enc('c'), enc('d'), { reverse: true })),
    ];
  });
  t.deepEqual(seen, [['0', 'c', 'c5'], ['f', 'e', 'd'], ['c', 'c5'], ['0', 'c', 'c5', 'd', 'e', 'f'], ['c5', 'c']]);
  await store.close();
});
