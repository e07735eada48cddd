/**
 * The KVCache GC policy (LRU with capacity, TTL since last use, pins) with exact evictions, the
 * single-cache model it feeds, how requests are routed to clients, and the capacity split.
 */
import test from 'ava';
import { BlockLru } from '../../system/workloads/kvcache/block-lru.ts';
import { modelHitRatio } from '../../system/workloads/kvcache/lru-model.ts';
import { capacityShare } from '../../system/workloads/kvcache/replay-phase.ts';
import { routeRequests } from '../../system/workloads/kvcache/request-router.ts';
import type { MooncakeRecord } from '../../system/workloads/kvcache/trace-record.ts';

const S = 1e9;
const ids = (evictions: ReadonlyArray<{ id: number }>) => evictions.map((e) => e.id);

test('LRU evicts least recently used blocks down to the capacity, oldest first', (t) => {
  const lru = new BlockLru({ capacityBlocks: 3, ttlNs: 0 });
  for (const [id, at] of [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]] as const) lru.touch(id, 100 * id, at * S);
  lru.touch(1, 100, 6 * S); // 1 is used again: now the most recent
  const evicted = lru.takeEvictions(7 * S);
  t.deepEqual(evicted, [{ id: 2, sizeBytes: 200, reason: 'capacity' }, { id: 3, sizeBytes: 300, reason: 'capacity' }]);
  t.deepEqual(lru.ids(), [4, 5, 1]);
  t.deepEqual(lru.takeEvictions(8 * S), [], 'within capacity: nothing more');
});

test('TTL evicts every block unused for longer than the TTL, whatever the capacity', (t) => {
  const lru = new BlockLru({ capacityBlocks: 0, ttlNs: 10 * S });
  lru.touch(1, 1, 0);
  lru.touch(2, 1, 5 * S);
  lru.touch(3, 1, 9 * S);
  lru.touch(1, 1, 12 * S);
  t.deepEqual(lru.takeEvictions(15 * S), [], '2 idle exactly 10 s: kept');
  t.deepEqual(ids(lru.takeEvictions(15 * S + 1)), [2], '2 idle longer than the TTL: gone');
  t.deepEqual(lru.takeEvictions(19 * S), []);
  t.deepEqual(lru.takeEvictions(19 * S + 1).map((e) => [e.id, e.reason]), [[3, 'ttl']]);
  t.deepEqual(ids(lru.takeEvictions(100 * S)), [1]);
  t.is(lru.size, 0);
});

test('TTL and capacity together: expired first, then LRU down to the capacity', (t) => {
  const lru = new BlockLru({ capacityBlocks: 2, ttlNs: 10 * S });
  for (const [id, at] of [[1, 0], [2, 1], [3, 20], [4, 21], [5, 22]] as const) lru.touch(id, 1, at * S);
  t.deepEqual(lru.takeEvictions(23 * S).map((e) => [e.id, e.reason]), [[1, 'ttl'], [2, 'ttl'], [3, 'capacity']]);
  t.deepEqual(lru.ids(), [4, 5]);
});

test('pinned blocks are skipped, and evicted once unpinned', (t) => {
  const lru = new BlockLru({ capacityBlocks: 2, ttlNs: 0 });
  lru.pin(1);
  lru.pin(1);
  for (const id of [1, 2, 3, 4]) lru.touch(id, 1, id * S);
  t.deepEqual(ids(lru.takeEvictions(5 * S)), [2, 3], '1 is pinned: the next oldest go instead');
  lru.unpin(1);
  t.deepEqual(lru.takeEvictions(6 * S), [], 'still pinned once');
  lru.unpin(1);
  lru.touch(5, 1, 7 * S);
  t.deepEqual(ids(lru.takeEvictions(8 * S)), [1]);
  t.throws(() => lru.unpin(1), { message: /not pinned/ });
});

test('a request touched deepest first leaves its leaves to be evicted before its root', (t) => {
  const lru = new BlockLru({ capacityBlocks: 3, ttlNs: 0 });
  const request = [10, 11, 12];
  for (let i = request.length - 1; i >= 0; i--) lru.touch(request[i]!, 1, S);
  lru.touch(20, 1, 2 * S);
  t.deepEqual(ids(lru.takeEvictions(3 * S)), [12], 'the deepest block of the prefix goes first');
});

function record(timestampSec: number, hashIds: number[]): MooncakeRecord {
  return { timestamp: timestampSec * 1000, input_length: hashIds.length * 512, output_length: 1, hash_ids: hashIds };
}

test('the model counts the longest cached prefix as hits, with the policy evicting at once', (t) => {
  const trace = [record(0, [0, 1, 2]), record(1, [0, 1, 3]), record(2, [0, 4]), record(3, [0, 1, 2])];
  t.deepEqual(modelHitRatio(trace, { capacityBlocks: 0, ttlSec: 0 }), { blockRefs: 11, hitBlocks: 2 + 1 + 3, hitRatio: 6 / 11 });
  // Capacity 3, oldest first: request 1 evicts 2 (cache 3,1,0), request 2 evicts 3 (cache 1,4,0).
  const small = modelHitRatio(trace, { capacityBlocks: 3, ttlSec: 0 });
  t.is(small.hitBlocks, 2 + 1 + 2);
  // TTL 1.5 s: 2 (used at 0 s) is gone at 2 s; 1 and 3 (used at 1 s) are gone at 3 s; 0 (used at 2 s) stays.
  const ttl = modelHitRatio(trace, { capacityBlocks: 0, ttlSec: 1.5 });
  t.is(ttl.hitBlocks, 2 + 1 + 1);
});

test('session routing keeps a conversation on one client and spreads new sessions round-robin', (t) => {
  const trace = [
    record(0, [0, 1, 2]), // session A -> client 0
    record(0, [0, 3]), // session B shares only block 0 -> client 1
    record(1, [0, 1, 2, 4]), // A's next turn -> client 0
    record(1, [0, 5, 6]), // session C -> client 2
    record(2, [0, 3, 7]), // B's next turn -> client 1
    record(2, [0, 1, 8]), // shares A's head but not its end: a new session -> client 0 (round-robin)
  ];
  t.deepEqual(routeRequests(trace, 3, 'session'), [0, 1, 0, 2, 1, 0]);
  t.deepEqual(routeRequests(trace, 3, 'round-robin'), [0, 1, 2, 0, 1, 2]);
});

test('capacity is split over clients, adding up to the total', (t) => {
  t.deepEqual([0, 1, 2].map((i) => capacityShare(10, i, 3)), [4, 3, 3]);
  t.deepEqual([0, 1].map((i) => capacityShare(0, i, 2)), [0, 0], '0 stays unbounded');
  t.throws(() => capacityShare(2, 0, 3), { message: /at least the number of clients/ });
});
