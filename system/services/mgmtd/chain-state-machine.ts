import { assert } from '../../env/assert.ts';
import type { ChainInfo, ChainTarget, LocalTargetState, PublicTargetState, TargetId } from './types.ts';

/**
 * The chain state machine, exactly as 3FS implements it (`src/mgmtd/service/updateChain.cc`
 * generateNewChain; 3fs-notes §1.1). Given a chain and the local state each of its targets last
 * reported, it computes every target's new public state and the new chain order:
 *
 * 1. SERVING: local ONLINE/UPTODATE stays SERVING; otherwise the first failed one becomes LASTSRV and
 *    later ones OFFLINE.
 * 2. LASTSRV: with no SERVING target left, ONLINE/UPTODATE becomes SERVING (the last writer serves again),
 *    else stays LASTSRV; with a SERVING target, OFFLINE.
 * 3. SYNCING: UPTODATE becomes SERVING; ONLINE stays SYNCING if something serves, else WAITING; else OFFLINE.
 * 4. WAITING and OFFLINE: ONLINE with a SERVING target and no SYNCING one yet becomes SYNCING (at most
 *    one syncing target per chain); else ONLINE/UPTODATE is WAITING; else OFFLINE.
 *    After all groups: if any SERVING target exists, every LASTSRV becomes OFFLINE.
 * 5. New order: SERVING, LASTSRV, SYNCING, WAITING, OFFLINE, each group in its old relative order.
 * 6. The chain version goes up by one iff the order or any public state changed.
 *
 * Groups are processed in that order, so "a SERVING target exists" in step 3/4 means one that is
 * SERVING in the new chain (including a SYNCING target just promoted), as in 3FS.
 */
export type LocalStateLookup = ReadonlyMap<TargetId, LocalTargetState> | ((targetId: TargetId) => LocalTargetState | undefined);

export const CHAIN_ORDER: readonly PublicTargetState[] = ['SERVING', 'LASTSRV', 'SYNCING', 'WAITING', 'OFFLINE'];

/**
 * The chain after one step of the machine. Returns `chain` itself (same object) when nothing changed;
 * otherwise a new ChainInfo with `chainVersion + 1`. A target with no known local state counts as OFFLINE.
 *
 * @example
 * const next = nextChain(chain, new Map([[101, 'UPTODATE'], [102, 'OFFLINE']]));
 * if (next !== chain) persist(next);
 */
export function nextChain(chain: ChainInfo, localStates: LocalStateLookup): ChainInfo {
  const lookup = typeof localStates === 'function' ? localStates : (id: TargetId) => localStates.get(id);
  const local = (id: TargetId): LocalTargetState => lookup(id) ?? 'OFFLINE';
  const up = (id: TargetId): boolean => local(id) === 'ONLINE' || local(id) === 'UPTODATE';
  const old = groupByState(chain.targets);
  const next = new Map<PublicTargetState, TargetId[]>(CHAIN_ORDER.map((s) => [s, []]));
  const put = (state: PublicTargetState, id: TargetId): void => {
    next.get(state)!.push(id);
  };
  const has = (state: PublicTargetState): boolean => next.get(state)!.length > 0;

  for (const id of old.get('SERVING')!) {
    if (up(id)) put('SERVING', id);
    else if (!has('LASTSRV')) put('LASTSRV', id); // the first failed SERVING target keeps the last writes
    else put('OFFLINE', id);
  }
  for (const id of old.get('LASTSRV')!) {
    if (has('SERVING')) put('OFFLINE', id);
    else put(up(id) ? 'SERVING' : 'LASTSRV', id);
  }
  for (const id of old.get('SYNCING')!) {
    const state = local(id);
    if (state === 'UPTODATE') put('SERVING', id);
    else if (state === 'ONLINE') put(has('SERVING') ? 'SYNCING' : 'WAITING', id);
    else put('OFFLINE', id);
  }
  for (const group of ['WAITING', 'OFFLINE'] as const) {
    for (const id of old.get(group)!) {
      if (has('SERVING') && !has('SYNCING') && local(id) === 'ONLINE') put('SYNCING', id);
      else put(up(id) ? 'WAITING' : 'OFFLINE', id);
    }
  }
  if (has('SERVING')) {
    next.get('OFFLINE')!.push(...next.get('LASTSRV')!);
    next.set('LASTSRV', []);
  }

  const targets: ChainTarget[] = CHAIN_ORDER.flatMap((state) => next.get(state)!.map((targetId) => ({ targetId, publicState: state })));
  assert(targets.length === chain.targets.length, `chain ${chain.chainId}: state machine lost a target`);
  const changed = targets.some((t, i) => t.targetId !== chain.targets[i]!.targetId || t.publicState !== chain.targets[i]!.publicState);
  return changed ? { chainId: chain.chainId, chainVersion: chain.chainVersion + 1, targets } : chain;
}

/** Target ids by public state, each in chain order. */
function groupByState(targets: readonly ChainTarget[]): Map<PublicTargetState, TargetId[]> {
  const groups = new Map<PublicTargetState, TargetId[]>(CHAIN_ORDER.map((s) => [s, []]));
  for (const t of targets) {
    const group = groups.get(t.publicState);
    assert(group !== undefined, `unknown public state ${String(t.publicState)}`);
    group.push(t.targetId);
  }
  return groups;
}

/** True when the chain lists its targets in the machine's order (SERVING first ... OFFLINE last). */
export function isChainOrdered(chain: ChainInfo): boolean {
  const ranks = chain.targets.map((t) => CHAIN_ORDER.indexOf(t.publicState));
  return ranks.every((rank, i) => rank >= 0 && (i === 0 || rank >= ranks[i - 1]!));
}

/** SERVING targets take reads; SERVING and SYNCING take writes (3fs-notes §1.1). */
export function servesReads(state: PublicTargetState): boolean {
  return state === 'SERVING';
}

export function takesWrites(state: PublicTargetState): boolean {
  return state === 'SERVING' || state === 'SYNCING';
}
