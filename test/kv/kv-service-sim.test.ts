import test from 'ava';
import { Simulation } from '../../sim/simulation.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import type { KvStore } from '../../system/env/kv.ts';
import { DurableKv } from '../../system/env/kv-durable.ts';
import { MemoryKv } from '../../system/env/kv-memory.ts';
import type { Env, RpcMethod } from '../../system/env/types.ts';
import { KvService } from '../../system/services/kv/kv-service.ts';
import * as m from '../../system/services/kv/messages.ts';
import { RemoteKv } from '../../system/services/kv/remote-kv.ts';

// Goal: the KV service keeps its promises under faults, in simulation: lost and duplicated messages
// never lose or double an acknowledged commit (lost replies are resolved by asking for the outcome); a
// crash of the service node (DurableKv on its simulated disk) loses nothing acknowledged; transactions
// of a client that died expire; malformed requests get coded errors and the service keeps serving.

const MS = 1_000_000;
const S = 1_000_000_000;
const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array | undefined): string | undefined => (bytes ? new TextDecoder().decode(bytes) : undefined);

const increment = (kv: KvStore): Promise<void> => kv.transact(async (txn) => {
  txn.set(enc('count'), enc(String(Number(dec(await txn.get(enc('count'))) ?? '0') + 1)));
}, { maxRetries: 1_000 });

interface CounterRun {
  acked: number;
  inDoubt: number;
  final: number | undefined;
  /** Commits whose reply was lost, so the client asked the service for their outcome. */
  outcomeQueries: number;
}

/**
 * `clients` nodes increment one counter through the KV service until `workNs`, pausing a few ms
 * between increments (tens of thousands of simulated commits a second would only cost test time),
 * then one reads it. `kvFactory` backs the service's stores; `during` injects faults.
 */
async function counterRun(seed: number, options: {
  clients: number;
  workNs: number;
  kvFactory: (env: Env, name: string) => Promise<KvStore>;
  during?: (sim: Simulation) => void;
}): Promise<CounterRun> {
  const sim = new Simulation({ seed, kvFactory: options.kvFactory });
  const run: CounterRun = { acked: 0, inDoubt: 0, final: undefined, outcomeQueries: 0 };
  let done = 0;
  sim.addNode('kv', { boot: (env) => void KvService.start(env) });
  for (let i = 0; i < options.clients; i++) {
    sim.addNode(`client-${i}`, {
      boot: async (env) => {
        const kv = await RemoteKv.open(env, { server: 'kv', store: 'counter', callTimeoutNs: 200 * MS, commitTimeoutNs: 200 * MS });
        const random = env.random('test.pause');
        while (env.clock.now() < options.workNs) {
          await env.clock.sleep(random.intBetween(1, 10) * MS);
          try {
            await increment(kv);
            run.acked++;
          } catch (error) {
            if (!isFlyerError(error, 'KV_COMMIT_UNKNOWN_RESULT')) throw error;
            run.inDoubt++;
          }
        }
        done++;
      },
    });
  }
  sim.addNode('reader', {
    boot: async (env) => {
      while (done < options.clients) await env.clock.sleep(10 * MS);
      const kv = await RemoteKv.open(env, { server: 'kv', store: 'counter' });
      run.final = await kv.transact(async (txn) => Number(dec(await txn.get(enc('count'))) ?? '0'));
    },
  });
  sim.start();
  options.during?.(sim);
  await sim.run({ untilNs: options.workNs + 120 * S, stopWhen: () => run.final !== undefined });
  if (sim.failures.length > 0) throw new Error(sim.failures.join('\n'));
  run.outcomeQueries = sim.coverage().get('kv.client.commit_in_doubt') ?? 0;
  return run;
}

test('lost and duplicated messages neither lose nor double a commit', async (t) => {
  let outcomeQueries = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const stores = new Map<string, MemoryKv>();
    const run = await counterRun(seed, {
      clients: 4,
      workNs: 2 * S,
      kvFactory: async (_env, name) => stores.get(name) ?? stores.set(name, new MemoryKv()).get(name)!,
      during: (sim) => {
        sim.netFaults.dropProbability = 0.05;
        sim.netFaults.duplicateProbability = 0.05;
        sim.after(2 * S, () => sim.netFaults.calm());
      },
    });
    t.true(run.acked > 50, `seed ${seed}: ${run.acked} increments acknowledged`);
    t.is(run.inDoubt, 0, `seed ${seed}: the service never restarted, so every lost reply was resolved`);
    t.is(run.final, run.acked, `seed ${seed}: the counter counts exactly the acknowledged increments`);
    outcomeQueries += run.outcomeQueries;
  }
  t.true(outcomeQueries > 0, 'some commit replies were lost and resolved by asking');
});

test('a crash of the service node loses no acknowledged commit', async (t) => {
  let inDoubt = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const run = await counterRun(seed, {
      clients: 4,
      workNs: 3 * S,
      kvFactory: (env, name) => DurableKv.open(env.disk, name),
      during: (sim) => {
        for (const atNs of [700 * MS, 1_900 * MS]) {
          sim.after(atNs + seed * 37_777, () => sim.crash('kv'));
          sim.after(atNs + 300 * MS, () => sim.restart('kv'));
        }
      },
    });
    t.true(run.acked > 200, `seed ${seed}: ${run.acked} acknowledged`);
    t.true(run.final !== undefined && run.final >= run.acked, `seed ${seed}: ${run.acked} acknowledged, ${run.final} after the crash`);
    t.true(run.final! <= run.acked + run.inDoubt, `seed ${seed}: ${run.final} > ${run.acked} acknowledged + ${run.inDoubt} in doubt`);
    inDoubt += run.inDoubt;
  }
  t.log(`${inDoubt} commits in doubt over the seeds (the crash came while they were in flight)`);
});

test('a dead client\'s open transaction expires', async (t) => {
  const sim = new Simulation({ seed: 7, kvFactory: async () => new MemoryKv() });
  let service: KvService | undefined;
  sim.addNode('kv', { boot: (env) => void (service = KvService.start(env, { transactionTimeoutNs: 2 * S })) });
  sim.addNode('client', {
    boot: async (env) => {
      if (env.clock.now() > 0) return;
      const kv = await RemoteKv.open(env, { server: 'kv', store: 's' });
      await kv.transact(async (txn) => {
        await txn.get(enc('k'));
        await env.clock.sleep(60 * S); // the crash comes first
      });
    },
  });
  sim.start();
  await sim.run({ untilNs: 100 * MS });
  t.is(service!.openTransactions, 1);
  sim.crash('client');
  await sim.run({ untilNs: 1 * S });
  t.is(service!.openTransactions, 1, 'held until it expires');
  await sim.run({ untilNs: 3 * S });
  t.is(service!.openTransactions, 0, 'expired');
});

test('malformed requests get coded errors and the service keeps serving', async (t) => {
  const sim = new Simulation({ seed: 8, kvFactory: async () => new MemoryKv() });
  sim.addNode('kv', { boot: (env) => void KvService.start(env, { storesMax: 2 }) });
  const codes: Array<[string, string]> = [];
  let served: string | undefined;
  sim.addNode('client', {
    boot: async (env) => {
      const send = async (label: string, method: RpcMethod<unknown, unknown>, request: unknown): Promise<void> => {
        try {
          await env.rpc.call('kv', method, request);
          codes.push([label, 'ok']);
        } catch (error) {
          codes.push([label, isFlyerError(error) ? error.code : String(error)]);
        }
      };
      const any = (method: RpcMethod<never, unknown>): RpcMethod<unknown, unknown> => method as RpcMethod<unknown, unknown>;
      await send('not an object', any(m.kvBegin), 42);
      await send('null', any(m.kvGet), null);
      await send('store path', any(m.kvBegin), { store: '../../etc' });
      await send('unknown txn', any(m.kvGet), { txnId: 'nope', key: enc('k') });
      const { txnId } = await env.rpc.call('kv', m.kvBegin, { store: 'one' });
      await send('key not bytes', any(m.kvGet), { txnId, key: 'k' });
      await send('bad limit', any(m.kvGetRange), { txnId, begin: enc('a'), end: enc('b'), limit: -1 });
      await send('bad snapshot flag', any(m.kvGetRange), { txnId, begin: enc('a'), end: enc('b'), snapshot: 'yes' });
      await send('good read on the same transaction', any(m.kvGet), { txnId, key: enc('k') });
      await send('commit without writes', any(m.kvCommit), { store: 's', commitId: 'c1', bootId: 'b' });
      await send('commit with bad pair', any(m.kvCommit), { store: 's', commitId: 'c2', bootId: 'b', clears: [[enc('a')]], writes: [] });
      await send('commit to another incarnation', any(m.kvCommit), { store: 's', commitId: 'c3', bootId: 'old', clears: [], writes: [] });
      await send('huge key', any(m.kvCommit), { store: 's', commitId: 'c4', bootId: 'b', clears: [], writes: [[new Uint8Array(20_000), null]] });
      await send('store 1', any(m.kvBegin), { store: 'one' });
      await send('store 2', any(m.kvBegin), { store: 'two' });
      await send('store 3', any(m.kvBegin), { store: 'three' });
      const kv = await RemoteKv.open(env, { server: 'kv', store: 'one' });
      await kv.transact(async (txn) => txn.set(enc('k'), enc('still serving')));
      served = await kv.transact(async (txn) => dec(await txn.get(enc('k'))));
    },
  });
  sim.start();
  await sim.run({ untilNs: 10 * S });
  t.deepEqual(codes, [
    ['not an object', 'INVALID_ARGUMENT'],
    ['null', 'INVALID_ARGUMENT'],
    ['store path', 'INVALID_ARGUMENT'],
    ['unknown txn', 'KV_TRANSACTION_UNKNOWN'],
    ['key not bytes', 'INVALID_ARGUMENT'],
    ['bad limit', 'INVALID_ARGUMENT'],
    ['bad snapshot flag', 'INVALID_ARGUMENT'],
    ['good read on the same transaction', 'ok'],
    ['commit without writes', 'INVALID_ARGUMENT'],
    ['commit with bad pair', 'INVALID_ARGUMENT'],
    ['commit to another incarnation', 'KV_TRANSACTION_UNKNOWN'],
    ['huge key', 'KV_KEY_TOO_LARGE'],
    ['store 1', 'ok'],
    ['store 2', 'ok'],
    ['store 3', 'KV_TOO_MANY_STORES'],
  ]);
  t.is(served, 'still serving');
  t.deepEqual(sim.failures, []);
});
