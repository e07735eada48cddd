import test from 'ava';
import { MemoryKv } from '../../system/env/kv-memory.ts';
import { runKvContract } from './kv-contract.ts';

// Goal: the in-memory KV passes the backend contract, and its own history window (what it keeps,
// what it forgets) behaves: old versions and tombstones are collected, too-old readers retry.

runKvContract('MemoryKv', () => new MemoryKv());

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);

test('a reader older than the history window is retried with a fresh snapshot', async (t) => {
  const kv = new MemoryKv({ versionWindow: 2 });
  await kv.transact(async (txn) => txn.set(enc('k'), enc('0')));
  let attempts = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => { release = resolve; });
  const reader = kv.transact(async (txn) => {
    attempts++;
    if (attempts === 1) await held;
    return new TextDecoder().decode(await txn.get(enc('k')));
  });
  for (let i = 1; i <= 3; i++) await kv.transact(async (txn) => txn.set(enc('k'), enc(String(i))));
  release();
  t.is(await reader, '3');
  t.is(attempts, 2);
  t.is(kv.stats.tooOld, 1);
});

test('cleared keys are forgotten once outside the window', async (t) => {
  const kv = new MemoryKv({ versionWindow: 1 });
  await kv.transact(async (txn) => {
    for (let i = 0; i < 600; i++) txn.set(enc(`k${String(i).padStart(4, '0')}`), enc('v'));
  });
  await kv.transact(async (txn) => txn.clearRange(enc('k'), enc('l')));
  await kv.transact(async (txn) => txn.set(enc('other'), enc('v')));
  await kv.transact(async (txn) => txn.set(enc('other'), enc('w')));
  const left = await kv.transact((txn) => txn.getRange(enc(''), enc('\u00ff')));
  t.deepEqual(left.map((p) => new TextDecoder().decode(p.key)), ['other']);
  t.is(kv.version, 4);
});

test('a 20,000-key store keeps order across chunk splits', async (t) => {
  const kv = new MemoryKv();
  const keys = Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 20_000);
  await kv.transact(async (txn) => {
    for (const i of keys) txn.set(enc(`k${String(i).padStart(5, '0')}`), enc(String(i)));
  });
  const forward = await kv.transact((txn) => txn.getRange(enc('k'), enc('l')));
  t.is(forward.length, 20_000);
  t.true(forward.every((p, i) => new TextDecoder().decode(p.value) === String(i)));
  const back = await kv.transact((txn) => txn.getRange(enc('k09990'), enc('k10010'), { reverse: true }));
  t.deepEqual(back.map((p) => new TextDecoder().decode(p.value)), Array.from({ length: 20 }, (_, i) => String(10_009 - i)));
});
