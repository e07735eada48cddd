import test from 'ava';
import fc from 'fast-check';
import { isChainOrdered, nextChain } from '../../system/services/mgmtd/chain-state-machine.ts';
import type { ChainInfo, LocalTargetState, PublicTargetState } from '../../system/services/mgmtd/types.ts';

// Goal: nextChain is 3FS's generateNewChain rule for rule (3fs-notes §1.1 steps 1-6), and on every
// chain reachable from a fresh one it keeps the safety invariants: at most one SYNCING target, always
// a SERVING or LASTSRV target, no WAITING/OFFLINE target jumps straight to SERVING.

const S = 'SERVING';
const L = 'LASTSRV';
const Y = 'SYNCING';
const W = 'WAITING';
const O = 'OFFLINE';

function chain(version: number, ...targets: Array<[number, PublicTargetState]>): ChainInfo {
  return { chainId: 7, chainVersion: version, targets: targets.map(([targetId, publicState]) => ({ targetId, publicState })) };
}
const locals = (entries: Record<number, LocalTargetState>): Map<number, LocalTargetState> =>
  new Map(Object.entries(entries).map(([id, state]) => [Number(id), state]));
const shape = (c: ChainInfo): string => c.targets.map((t) => `${t.targetId}:${t.publicState}`).join(' ');

test('step 1: healthy SERVING targets stay; nothing changes, same object and version', (t) => {
  const c = chain(3, [1, S], [2, S], [3, S]);
  t.is(nextChain(c, locals({ 1: 'UPTODATE', 2: 'ONLINE', 3: 'UPTODATE' })), c);
});

test('step 1: the first failed SERVING target becomes LASTSRV only if none serves; later ones OFFLINE', (t) => {
  const c = chain(3, [1, S], [2, S], [3, S]);
  const allDown = nextChain(c, locals({}));
  t.is(shape(allDown), '1:LASTSRV 2:OFFLINE 3:OFFLINE');
  t.is(allDown.chainVersion, 4);
  // The head failed while others still serve: its LASTSRV is dropped to OFFLINE at the end, and it
  // slides to the tail.
  t.is(shape(nextChain(c, locals({ 1: 'OFFLINE', 2: 'UPTODATE', 3: 'UPTODATE' }))), '2:SERVING 3:SERVING 1:OFFLINE');
  // As in 3FS: 2 first becomes LASTSRV, then is dropped to OFFLINE after 3 (which went OFFLINE directly).
  t.is(shape(nextChain(c, locals({ 1: 'UPTODATE', 2: 'OFFLINE', 3: 'OFFLINE' }))), '1:SERVING 3:OFFLINE 2:OFFLINE');
});

test('step 2: LASTSRV serves again when it comes back and nothing else serves', (t) => {
  const c = chain(4, [1, L], [2, O], [3, O]);
  t.is(shape(nextChain(c, locals({ 1: 'ONLINE' }))), '1:SERVING 2:OFFLINE 3:OFFLINE');
  t.is(shape(nextChain(c, locals({ 1: 'UPTODATE', 2: 'ONLINE' }))), '1:SERVING 2:SYNCING 3:OFFLINE');
  t.is(shape(nextChain(c, locals({ 2: 'UPTODATE', 3: 'ONLINE' }))), '1:LASTSRV 2:WAITING 3:WAITING', 'the others wait for the LASTSRV head');
  t.is(shape(nextChain(chain(4, [1, L], [2, L]), locals({ 2: 'UPTODATE' }))), '2:SERVING 1:OFFLINE', 'second LASTSRV serves, first drops');
});

test('step 2: a LASTSRV target is dropped to OFFLINE once another target serves', (t) => {
  const c = chain(4, [2, S], [1, L]);
  t.is(shape(nextChain(c, locals({ 1: 'UPTODATE', 2: 'UPTODATE' }))), '2:SERVING 1:OFFLINE');
});

test('step 3: SYNCING becomes SERVING when UPTODATE, stays while ONLINE, WAITING without a server, OFFLINE when down', (t) => {
  const c = chain(5, [1, S], [2, Y]);
  t.is(shape(nextChain(c, locals({ 1: 'UPTODATE', 2: 'UPTODATE' }))), '1:SERVING 2:SERVING');
  t.is(nextChain(c, locals({ 1: 'UPTODATE', 2: 'ONLINE' })), c);
  t.is(shape(nextChain(c, locals({ 1: 'UPTODATE', 2: 'OFFLINE' }))), '1:SERVING 2:OFFLINE');
  t.is(shape(nextChain(c, locals({ 1: 'OFFLINE', 2: 'ONLINE' }))), '1:LASTSRV 2:WAITING');
  // A promoted SYNCING target counts as serving for the groups after it.
  t.is(shape(nextChain(chain(5, [1, L], [2, Y], [3, W]), locals({ 2: 'UPTODATE', 3: 'ONLINE' }))), '2:SERVING 3:SYNCING 1:OFFLINE');
});

test('step 4: WAITING and OFFLINE targets start syncing one at a time, only with a server', (t) => {
  const c = chain(6, [1, S], [2, W], [3, O]);
  t.is(shape(nextChain(c, locals({ 1: 'UPTODATE', 2: 'ONLINE', 3: 'ONLINE' }))), '1:SERVING 2:SYNCING 3:WAITING');
  t.is(shape(nextChain(c, locals({ 1: 'UPTODATE', 3: 'ONLINE' }))), '1:SERVING 3:SYNCING 2:OFFLINE');
  t.is(shape(nextChain(c, locals({ 1: 'UPTODATE', 2: 'UPTODATE', 3: 'OFFLINE' }))), '1:SERVING 2:WAITING 3:OFFLINE', 'UPTODATE is not enough to sync');
  t.is(shape(nextChain(chain(6, [1, S], [4, Y], [2, W]), locals({ 1: 'UPTODATE', 4: 'ONLINE', 2: 'ONLINE' }))), '1:SERVING 4:SYNCING 2:WAITING');
  t.is(shape(nextChain(chain(6, [1, L], [2, O]), locals({ 2: 'ONLINE' }))), '1:LASTSRV 2:WAITING', 'no server, no sync');
});

test('step 5: the new order is SERVING, LASTSRV, SYNCING, WAITING, OFFLINE, stable within a group', (t) => {
  const next = nextChain(chain(1, [5, O], [4, W], [3, Y], [2, S], [1, S]), locals({ 5: 'UPTODATE', 4: 'OFFLINE', 3: 'ONLINE', 2: 'UPTODATE', 1: 'ONLINE' }));
  t.is(shape(next), '2:SERVING 1:SERVING 3:SYNCING 5:WAITING 4:OFFLINE');
  t.true(isChainOrdered(next));
  t.false(isChainOrdered(chain(1, [1, O], [2, S])));
});

test('step 6: a pure reorder bumps the version too; lookup functions work like maps', (t) => {
  const c = chain(9, [1, S], [2, S]);
  const next = nextChain(c, (id) => (id === 2 ? 'UPTODATE' : 'OFFLINE'));
  t.is(shape(next), '2:SERVING 1:OFFLINE');
  t.is(next.chainVersion, 10);
  t.is(next.chainId, 7);
});

// ---- properties over chains reachable from a fresh one (setChains: all SERVING) ----

const localArb = fc.constantFrom<LocalTargetState>('UPTODATE', 'ONLINE', 'OFFLINE');
const runArb = fc.integer({ min: 1, max: 5 }).chain((k) => fc.record({
  k: fc.constant(k),
  steps: fc.array(fc.record({ states: fc.array(localArb, { minLength: k + 2, maxLength: k + 2 }), addTarget: fc.boolean() }), { minLength: 1, maxLength: 30 }),
}));

test('property: from a fresh chain, never two SYNCING, always a SERVING or LASTSRV, safe promotions, ordered', (t) => {
  fc.assert(fc.property(runArb, ({ k, steps }) => {
    let c: ChainInfo = chain(1, ...Array.from({ length: k }, (_, i): [number, PublicTargetState] => [i + 1, S]));
    let nextId = k + 1;
    for (const { states, addTarget } of steps) {
      if (addTarget && c.targets.length < k + 2) {
        // updateChain add: a new target joins OFFLINE at the tail.
        c = { ...c, chainVersion: c.chainVersion + 1, targets: [...c.targets, { targetId: nextId++, publicState: O }] };
      }
      const lookup = (id: number): LocalTargetState => states[(id - 1) % states.length]!;
      const before = new Map(c.targets.map((x) => [x.targetId, x.publicState]));
      const next = nextChain(c, lookup);
      const count = (s: PublicTargetState): number => next.targets.filter((x) => x.publicState === s).length;
      if (count(Y) > 1) return false;
      if (count(S) + count(L) === 0) return false;
      if (!isChainOrdered(next)) return false;
      for (const x of next.targets) {
        const was = before.get(x.targetId);
        if (x.publicState === S && (was === W || was === O)) return false;
        if (x.publicState === S && was === Y && lookup(x.targetId) !== 'UPTODATE') return false;
        if (x.publicState === S && (was === S || was === L) && lookup(x.targetId) === 'OFFLINE') return false;
      }
      if ([...before.keys()].sort().join() !== next.targets.map((x) => x.targetId).sort().join()) return false;
      c = next;
    }
    return true;
  }), { numRuns: 500 });
  t.pass();
});

const chainArb = fc.array(fc.record({ publicState: fc.constantFrom<PublicTargetState>(S, L, Y, W, O), local: localArb }), { minLength: 1, maxLength: 6 });

test('property: the version goes up by exactly one iff order or a state changed; fixed points are stable', (t) => {
  fc.assert(fc.property(chainArb, fc.integer({ min: 1, max: 1000 }), (targets, version) => {
    const c: ChainInfo = { chainId: 1, chainVersion: version, targets: targets.map((x, i) => ({ targetId: i + 1, publicState: x.publicState })) };
    const lookup = (id: number): LocalTargetState => targets[id - 1]!.local;
    const next = nextChain(c, lookup);
    const changed = shape(next) !== shape(c);
    if (changed !== (next !== c)) return false;
    if (next.chainVersion !== version + (changed ? 1 : 0)) return false;
    // With local states held fixed the machine settles within a few steps and then stays put.
    let cur = next;
    for (let i = 0; i < 4; i++) cur = nextChain(cur, lookup);
    return nextChain(cur, lookup) === cur;
  }), { numRuns: 2000 });
  t.pass();
});
