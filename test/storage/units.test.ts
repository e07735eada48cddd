import test from 'ava';
import { concatPayloads, materialize, RealPayload, realPayload, SyntheticPayload, syntheticPayload, zeroPayload } from '../../system/env/payload.ts';
import type { RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { localChainView } from '../../system/services/storage/chain-view.ts';
import { ChannelTable } from '../../system/services/storage/channel-table.ts';
import { applyChunkUpdate, payloadChecksum } from '../../system/services/storage/chunk-content.ts';
import { ChunkLocks } from '../../system/services/storage/chunk-locks.ts';
import { resyncPlan } from '../../system/services/storage/resync.ts';

// Goal: the storage service's pure pieces behave as 3FS's do: the local view of a chain, the
// exactly-once channel table, FIFO chunk locks, the resync diff, and chunk contents in normal form.

function routing(targets: Array<[number, string]>): RoutingInfo {
  return {
    routingVersion: 1, bootstrapping: false, primary: 'm', nodes: {}, chainTables: {},
    targets: Object.fromEntries(targets.map(([id]) => [String(id), { targetId: id, nodeId: `n${id}`, diskIndex: 0, chainId: 1, publicState: 'SERVING', localState: 'UPTODATE', usedBytes: 0, lowSpace: false }])),
    chains: { 1: { chainId: 1, chainVersion: 4, targets: targets.map(([targetId, publicState]) => ({ targetId, publicState: publicState as never })) } },
  };
}

test('the local chain view: head, successor and predecessor as 3FS computes them', (t) => {
  const r = routing([[1, 'SERVING'], [2, 'SERVING'], [3, 'SYNCING'], [4, 'OFFLINE']]);
  t.like(localChainView(r, 1), { isHead: true, predecessor: undefined, successor: { targetId: 2 }, chainVersion: 4 });
  t.like(localChainView(r, 2), { isHead: false, predecessor: { targetId: 1 }, successor: { targetId: 3, publicState: 'SYNCING' } });
  t.like(localChainView(r, 3), { writable: true, predecessor: { targetId: 2 }, successor: undefined });
  t.like(localChainView(r, 4), { writable: false, predecessor: undefined, successor: undefined });
  t.is(localChainView(r, 9), undefined);
  const waitingNext = routing([[1, 'SERVING'], [2, 'WAITING']]);
  t.is(localChainView(waitingNext, 1)!.successor, undefined, 'a WAITING next target makes this one the tail');
});

test('the channel table: cached results, stale duplicates, busy channels, failed attempts rerun', (t) => {
  const table = new ChannelTable(2);
  const tag = (seq: number, channelId = 1) => ({ clientId: 'c', channelId, seq });
  const result = { lengthBytes: 1, commitVersion: 1, updateVersion: 1, crc32c: 7, commitChainVersion: 1 };
  t.deepEqual(table.begin(tag(1), 5), { kind: 'run' });
  t.throws(() => table.begin(tag(1), 5), { message: /CHANNEL_BUSY/ });
  table.finish(tag(1), 5, result);
  t.deepEqual(table.begin(tag(1), 5), { kind: 'cached', result });
  t.throws(() => table.begin(tag(0), 5), { message: /DUPLICATE_UPDATE/ });
  t.deepEqual(table.begin(tag(2), 5), { kind: 'run' });
  table.finish(tag(2), 5, undefined);
  t.deepEqual(table.begin(tag(2), 5), { kind: 'run' }, 'a failed attempt runs again');
  t.deepEqual(table.begin(tag(1), 6), { kind: 'run' }, 'channels are per chain');
  table.finish(tag(1), 6, { ...result, updateVersion: 3 });
  t.deepEqual(table.begin(tag(1), 6, 3), { kind: 'cached', result: { ...result, updateVersion: 3 } }, 'a forward of the same version');
  table.finish(tag(1), 6, { ...result, updateVersion: 3 });
  t.deepEqual(table.begin(tag(1), 6, 4), { kind: 'run' }, 'the predecessor applied it anew at another version: follow it');
  table.forgetChain(6);
  t.deepEqual(table.begin(tag(1), 6), { kind: 'run' }, 'a resynced chain starts afresh');
  table.begin(tag(4, 2), 5);
  t.is(table.size, 2, 'the table is bounded');
});

test('chunk locks are exclusive and FIFO per key', async (t) => {
  const locks = new ChunkLocks();
  const order: string[] = [];
  const holder = async (name: string, key: string): Promise<void> => {
    const release = await locks.acquire(key);
    order.push(`+${name}`);
    await Promise.resolve();
    await Promise.resolve();
    order.push(`-${name}`);
    release();
    release();
  };
  await Promise.all([holder('a', 'x'), holder('b', 'x'), holder('c', 'y'), holder('d', 'x')]);
  const x = order.filter((e) => /[abd]/.test(e));
  t.deepEqual(x, ['+a', '-a', '+b', '-b', '+d', '-d']);
  t.is(locks.lockedCount, 0);
});

test('the resync plan sends what differs and removes what only the successor has', (t) => {
  const meta = (chunkId: string, v: number, over: object = {}) => ({ chunkId, lengthBytes: 10, commitVersion: v, updateVersion: v, chainVersion: 3, crc32c: v, ...over });
  const local = [meta('a', 1), meta('b', 2), meta('c', 3), meta('d', 4), meta('f', 2), meta('g', 5, { updateVersion: 6 })];
  const remote = [meta('a', 1), meta('b', 1), meta('c', 3, { updateVersion: 4 }), meta('e', 1), meta('f', 2, { chainVersion: 2 }), meta('g', 5)];
  t.deepEqual(resyncPlan(local, remote, false), [
    { chunkId: 'b', remoteHas: true }, { chunkId: 'c', remoteHas: true }, { chunkId: 'd', remoteHas: false },
    { chunkId: 'e', remoteHas: true }, { chunkId: 'f', remoteHas: true }, { chunkId: 'g', remoteHas: true },
  ], 'g is being written here: its write may commit after this listing without reaching the successor');
  t.is(resyncPlan(local, remote, true).length, 7, 'full sync sends everything');
});

test('chunk contents stay synthetic for one stream and match real bytes otherwise', (t) => {
  const s = (offsetBytes: number, sizeBytes: number) => syntheticPayload({ contentSeed: 9, offsetBytes, sizeBytes });
  let c = applyChunkUpdate(undefined, { kind: 'write', offsetBytes: 0, payload: s(0, 100) });
  c = applyChunkUpdate(c, { kind: 'write', offsetBytes: 100, payload: s(100, 50) });
  c = applyChunkUpdate(c, { kind: 'write', offsetBytes: 20, payload: s(20, 10) });
  t.true(c instanceof SyntheticPayload);
  t.is(payloadChecksum(c!), payloadChecksum(s(0, 150)));
  const holes = applyChunkUpdate(c, { kind: 'truncate', lengthBytes: 160 });
  t.true(holes instanceof RealPayload, 'a stream followed by zeros is materialized');
  t.deepEqual(materialize(holes!), materialize(concatPayloads([s(0, 150), zeroPayload(10)])));
  const real = applyChunkUpdate(realPayload('abcdef'), { kind: 'write', offsetBytes: 8, payload: realPayload('xy') });
  t.deepEqual([...materialize(real!)], [97, 98, 99, 100, 101, 102, 0, 0, 120, 121]);
  t.is(applyChunkUpdate(real, { kind: 'remove' }), undefined);
  t.is(applyChunkUpdate(real, { kind: 'truncate', lengthBytes: 2 })!.sizeBytes, 2);
});
