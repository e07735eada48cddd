import test from 'ava';
import { SimKvCluster } from '../../sim/kv/sim-kv.ts';
import { Simulation } from '../../sim/simulation.ts';
import type { KvStore } from '../../system/env/kv.ts';

// Goal: the simulator's KV is one shared store per name for the whole cluster (like an external
// FoundationDB), charges each transaction latency on the calling node's clock, serializes concurrent
// transactions from different nodes, and a crashed node's pending transaction never commits or resolves.

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array | undefined): string | undefined => (bytes ? new TextDecoder().decode(bytes) : undefined);

test('nodes share one store per name, and transactions take begin + commit latency', async (t) => {
  const kv = new SimKvCluster({ beginLatencyNs: 500_000, commitLatencyNs: 1_000_000 });
  const sim = new Simulation({ seed: 1, kvFactory: kv.factory });
  const seen: Array<string | undefined> = [];
  let writeTookNs = -1;
  let readTookNs = -1;
  sim.addNode('writer', {
    boot: async (env) => {
      const store = await env.openKv('meta');
      const start = env.clock.now();
      await store.transact(async (txn) => txn.set(enc('k'), enc('v')));
      writeTookNs = env.clock.now() - start;
    },
  });
  sim.addNode('reader', {
    boot: async (env) => {
      await env.clock.sleep(10_000_000);
      const start = env.clock.now();
      seen.push(dec(await (await env.openKv('meta')).transact(async (txn) => txn.get(enc('k')))));
      readTookNs = env.clock.now() - start;
      seen.push(dec(await (await env.openKv('other')).transact(async (txn) => txn.get(enc('k')))));
    },
  });
  sim.start();
  await sim.run();
  t.deepEqual(seen, ['v', undefined]);
  t.is(writeTookNs, 1_500_000);
  t.is(readTookNs, 500_000, 'a read-only transaction pays no commit');
  t.is(kv.store('meta').version, 1);
});

test('a crashed node\'s pending transaction neither commits nor resolves', async (t) => {
  const kv = new SimKvCluster();
  const sim = new Simulation({ seed: 2, kvFactory: kv.factory });
  let settled = false;
  sim.addNode('victim', {
    boot: async (env) => {
      if (env.clock.now() > 0) return;
      const store = await env.openKv('mgmtd');
      store.transact(async (txn) => txn.set(enc('k'), enc('lost'))).then(() => { settled = true; }, () => { settled = true; });
    },
  });
  sim.start();
  await sim.run({ untilNs: 700_000 }); // begun, commit pending
  sim.crash('victim');
  await sim.run({ untilNs: 100_000_000 });
  t.false(settled);
  t.is(kv.store('mgmtd').version, 0);
  t.is(await kv.store('mgmtd').transact(async (txn) => txn.get(enc('k'))), undefined);
});

test('N nodes incrementing one counter concurrently end at N (conflicts retried with backoff)', async (t) => {
  const kv = new SimKvCluster();
  const sim = new Simulation({ seed: 3, kvFactory: kv.factory });
  const nodes = 8;
  let done = 0;
  for (let i = 0; i < nodes; i++) {
    sim.addNode(`n${i}`, {
      boot: async (env) => {
        const store: KvStore = await env.openKv('counter');
        await store.transact(async (txn) => {
          const value = Number(dec(await txn.get(enc('c'))) ?? '0');
          txn.set(enc('c'), enc(String(value + 1)));
        });
        done++;
      },
    });
  }
  sim.start();
  await sim.run();
  t.is(done, nodes);
  t.is(dec(await kv.store('counter').transact(async (txn) => txn.get(enc('c')))), String(nodes));
  t.true(kv.store('counter').stats.conflicts > 0, 'the nodes did collide');
});
