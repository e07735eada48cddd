import test from 'ava';
import { Simulation } from '../../sim/simulation.ts';
import type { Env } from '../../system/env/types.ts';
import { UpdateLedger } from '../../system/services/storage/update-ledger.ts';

// Goal: the update ledger (exactly-once across restarts and resyncs) keeps what it was told once that
// was acknowledged, forgets an update whose pending version another one replaced, takes a resynced
// chunk's entries from the predecessor, stays bounded, and recovers the same state from its log,
// checkpoints included.

const C1 = '0000000000000001000000000000000a';
const C2 = '0000000000000001000000000000000b';
const tag = (clientId: string, channelId: number, seq: number) => ({ clientId, channelId, seq });

/** Runs `script` on one simulated node, then (if given) `after` on the same node's next incarnation. */
async function onNode<T>(script: (env: Env) => Promise<T>, after?: (env: Env) => Promise<T>): Promise<T[]> {
  const sim = new Simulation({ seed: 5 });
  const out: T[] = [];
  let incarnation = 0;
  sim.addNode('n', { boot: async (env) => void out.push(await (incarnation++ === 0 ? script(env) : after!(env))) });
  sim.start();
  await sim.run({ untilNs: 10_000_000_000, stopWhen: () => out.length === 1 });
  if (after) {
    sim.crash('n');
    sim.restart('n');
    await sim.run({ untilNs: 20_000_000_000, stopWhen: () => out.length === 2 });
  }
  if (sim.failures.length > 0) throw new Error(sim.failures.join('\n'));
  return out;
}

const open = (env: Env, entriesMax = 100, checkpointBytes?: number) =>
  UpdateLedger.open(env, { targetId: 7, entriesMax, ...(checkpointBytes !== undefined ? { checkpointBytes } : {}) });

test('an acknowledged entry survives a crash and names the chunk and version', async (t) => {
  const [before, after] = await onNode(async (env) => {
    const ledger = await open(env);
    await ledger.applied(C1, 3, tag('c1', 1, 9));
    return ledger.lookup(tag('c1', 1, 9));
  }, async (env) => (await open(env)).lookup(tag('c1', 1, 9)));
  t.deepEqual(before, { clientId: 'c1', channelId: 1, seq: 9, chunkId: C1, updateVersion: 3 });
  t.deepEqual(after, before);
});

test('an update applied at a version drops the entries of pending versions it replaced', async (t) => {
  const [r] = await onNode(async (env) => {
    const ledger = await open(env);
    await ledger.applied(C1, 1, tag('c1', 1, 1));
    await ledger.applied(C1, 2, tag('c1', 2, 1)); // pending 2; its update failed
    await ledger.applied(C1, 2, tag('c2', 1, 1)); // another update took version 2
    await ledger.applied(C1, 2, tag('resync', 0, 0)); // untagged traffic drops too
    return { kept: ledger.lookup(tag('c1', 1, 1)), replaced: ledger.lookup(tag('c1', 2, 1)), last: ledger.lookup(tag('c2', 1, 1)) };
  });
  t.is(r!.kept?.updateVersion, 1);
  t.is(r!.replaced, undefined);
  t.is(r!.last, undefined);
});

test("a resync replaces a chunk's entries, and a channel keeps its latest seq", async (t) => {
  const [r] = await onNode(async (env) => {
    const ledger = await open(env);
    await ledger.applied(C1, 1, tag('c1', 1, 1));
    await ledger.applied(C2, 4, tag('c2', 1, 8));
    await ledger.replaceChunk(C1, [{ clientId: 'c3', channelId: 2, seq: 5, updateVersion: 6 }, { clientId: 'c2', channelId: 1, seq: 7, updateVersion: 5 }]);
    return { dropped: ledger.lookup(tag('c1', 1, 1)), copied: ledger.lookup(tag('c3', 2, 5)), newer: ledger.lookup(tag('c2', 1, 0)), sent: ledger.entriesOf(C1) };
  });
  t.is(r!.dropped, undefined);
  t.deepEqual(r!.copied, { clientId: 'c3', channelId: 2, seq: 5, chunkId: C1, updateVersion: 6 });
  t.is(r!.newer?.seq, 8, 'an older seq from the predecessor does not replace a later one');
  t.deepEqual(r!.sent, [{ clientId: 'c3', channelId: 2, seq: 5, updateVersion: 6 }]);
});

test('the ledger is bounded and recovers the same state through checkpoints', async (t) => {
  const [before, after] = await onNode(async (env) => {
    const ledger = await open(env, 50, 2048);
    // In concurrent batches, so records also arrive while a checkpoint is being written.
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => {
        const i = batch * 20 + j;
        return ledger.applied(i % 2 === 0 ? C1 : C2, i + 1, tag(`c${i % 70}`, 1 + (i % 3), i));
      }));
    }
    await env.clock.sleep(50_000_000); // a checkpoint the last batch started finishes in the background
    const files = await env.disk.list('update-ledger/target-7/');
    return { size: ledger.size, c1: ledger.entriesOf(C1), c2: ledger.entriesOf(C2), files };
  }, async (env) => {
    const ledger = await open(env, 50, 2048);
    const files = await env.disk.list('update-ledger/target-7/');
    return { size: ledger.size, c1: ledger.entriesOf(C1), c2: ledger.entriesOf(C2), files };
  });
  t.is(before!.size, 50);
  t.is(before!.files.length, 1, 'old generations are removed after a checkpoint');
  t.not(before!.files[0], 'update-ledger/target-7/log.1', 'checkpoints happened');
  t.deepEqual({ ...after!, files: [] }, { ...before!, files: [] });
});
