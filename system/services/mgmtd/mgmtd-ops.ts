import { FlyerError } from '../../env/errors.ts';
import type { KvTransaction } from '../../env/kv.ts';
import type { NodeId } from '../../env/types.ts';
import { nextChain } from './chain-state-machine.ts';
import type { CreateTargetsRequest, RegisterNodeRequest, SetChainsRequest, SetChainTableRequest, TargetRequest, UpdateChainRequest } from './messages.ts';
import { clearTarget, writeChain, writeNode, writeTable, writeTarget } from './mgmtd-store.ts';
import type { MgmtdState, TargetEntry } from './mgmtd-state.ts';
import type { ChainInfo } from './types.ts';

/**
 * The manager's state changes, each split in two halves so the service can run them safely: `write`
 * puts the change in a KV transaction (which also re-checks the lease and bumps the routing version),
 * and `apply` puts it in memory once that transaction committed. An op that finds nothing to do
 * returns no `write` and an `apply` that only answers. Ops run one at a time (the service serializes
 * them), so what they check in memory still holds when they apply.
 */
export interface MgmtdChange<T> {
  readonly write?: (txn: KvTransaction) => void;
  readonly apply: () => T;
}

const unchanged = <T>(value: T): MgmtdChange<T> => ({ apply: () => value });

function invalid(detail: string): never {
  throw new FlyerError('MGMTD_CHAIN_INVALID', detail);
}

function targetOf(state: MgmtdState, targetId: number): TargetEntry {
  const target = state.targets.get(targetId);
  if (!target) throw new FlyerError('MGMTD_TARGET_UNKNOWN', `target ${targetId}`);
  return target;
}

function chainOf(state: MgmtdState, chainId: number): ChainInfo {
  const chain = state.chains.get(chainId);
  if (!chain) throw new FlyerError('MGMTD_CHAIN_UNKNOWN', `chain ${chainId}`);
  return chain;
}

export function registerNode(state: MgmtdState, request: RegisterNodeRequest, self: NodeId, nowNs: number): MgmtdChange<void> {
  if (request.nodeId === self) throw new FlyerError('INVALID_ARGUMENT', `${self} is this manager's own id`);
  const existing = state.nodes.get(request.nodeId);
  if (existing) {
    if (existing.type !== request.type) throw new FlyerError('INVALID_ARGUMENT', `${request.nodeId} is registered as ${existing.type}, not ${request.type}`);
    return unchanged(undefined);
  }
  return {
    write: (txn) => writeNode(txn, request),
    apply: () => {
      state.nodes.set(request.nodeId, { ...request, status: 'HEARTBEAT_CONNECTED', lastHeartbeatNs: 0, lastSeenNs: nowNs, hbVersion: 0 });
    },
  };
}

/** Registers targets as orphans (in no chain). Re-creating a target exactly as it is is a no-op. */
export function createTargets(state: MgmtdState, request: CreateTargetsRequest, nowNs: number): MgmtdChange<void> {
  const fresh = request.targets.filter((t) => {
    const existing = state.targets.get(t.targetId);
    if (!existing) return true;
    if (existing.nodeId !== t.nodeId || existing.diskIndex !== t.diskIndex) {
      throw new FlyerError('INVALID_ARGUMENT', `target ${t.targetId} already exists on ${existing.nodeId} disk ${existing.diskIndex}`);
    }
    return false;
  });
  if (fresh.length === 0) return unchanged(undefined);
  return {
    write: (txn) => {
      for (const t of fresh) writeTarget(txn, { ...t, chainId: 0 });
    },
    apply: () => {
      for (const t of fresh) state.targets.set(t.targetId, { ...t, chainId: 0, localState: 'OFFLINE', usedBytes: 0, lowSpace: false, lastReportNs: nowNs });
    },
  };
}

/**
 * Creates chains (3FS setChains): a new chain starts at version 1 with every target SERVING; its
 * targets must exist, be in no chain, and sit on distinct nodes. An existing chain may be listed again
 * only with the same target set (then nothing happens).
 */
export function setChains(state: MgmtdState, request: SetChainsRequest, nowNs: number): MgmtdChange<void> {
  const created: ChainInfo[] = [];
  const claimed = new Set<number>();
  for (const { chainId, targetIds } of request.chains) {
    const existing = state.chains.get(chainId);
    if (existing) {
      const have = existing.targets.map((t) => t.targetId).sort((a, b) => a - b);
      const want = [...targetIds].sort((a, b) => a - b);
      if (have.join() !== want.join()) invalid(`chain ${chainId} has targets [${have.join(',')}]; a chain's target set cannot change this way`);
      continue;
    }
    const nodes = new Set<NodeId>();
    for (const targetId of targetIds) {
      const target = targetOf(state, targetId);
      if (target.chainId !== 0 || claimed.has(targetId)) invalid(`target ${targetId} already belongs to chain ${target.chainId || 'in this request'}`);
      if (nodes.has(target.nodeId)) invalid(`chain ${chainId} would have two targets on ${target.nodeId}`);
      nodes.add(target.nodeId);
      claimed.add(targetId);
    }
    created.push({ chainId, chainVersion: 1, targets: targetIds.map((targetId) => ({ targetId, publicState: 'SERVING' })) });
  }
  if (created.length === 0) return unchanged(undefined);
  const owned = (chain: ChainInfo): TargetEntry[] => chain.targets.map((t) => state.targets.get(t.targetId)!);
  return {
    write: (txn) => {
      for (const chain of created) {
        writeChain(txn, chain);
        for (const target of owned(chain)) writeTarget(txn, { ...target, chainId: chain.chainId });
      }
    },
    apply: () => {
      for (const chain of created) {
        state.chains.set(chain.chainId, chain);
        state.newbornChains.set(chain.chainId, nowNs);
        for (const target of owned(chain)) target.chainId = chain.chainId;
      }
    },
  };
}

/** A new table version when the chain list differs from the latest (3FS setChainTable). */
export function setChainTable(state: MgmtdState, request: SetChainTableRequest): MgmtdChange<{ tableVersion: number }> {
  const sizes = new Set(request.chainIds.map((chainId) => chainOf(state, chainId).targets.length));
  if (sizes.size > 1) invalid(`chains of table ${request.tableId} differ in replica count: ${[...sizes].join(', ')}`);
  const latest = state.latestTable(request.tableId);
  if (latest && latest.chainIds.join() === request.chainIds.join()) return unchanged({ tableVersion: latest.tableVersion });
  const table = { tableId: request.tableId, tableVersion: (latest?.tableVersion ?? 0) + 1, chainIds: [...request.chainIds] };
  return {
    write: (txn) => writeTable(txn, table),
    apply: () => {
      state.tableVersions(table.tableId).set(table.tableVersion, table);
      return { tableVersion: table.tableVersion };
    },
  };
}

/**
 * 3FS updateChain: `add` appends an orphan target as OFFLINE (the state machine then takes it through
 * WAITING and SYNCING to SERVING); `remove` takes out an OFFLINE target, which becomes an orphan.
 * Either way the chain version goes up by one.
 */
export function updateChain(state: MgmtdState, request: UpdateChainRequest): MgmtdChange<void> {
  const chain = chainOf(state, request.chainId);
  const target = targetOf(state, request.targetId);
  let next: ChainInfo;
  if (request.op === 'add') {
    if (target.chainId !== 0) invalid(`target ${target.targetId} already belongs to chain ${target.chainId}`);
    const nodes = chain.targets.map((t) => state.targets.get(t.targetId)!.nodeId);
    if (nodes.includes(target.nodeId)) invalid(`chain ${chain.chainId} already has a target on ${target.nodeId}`);
    next = { ...chain, chainVersion: chain.chainVersion + 1, targets: [...chain.targets, { targetId: target.targetId, publicState: 'OFFLINE' }] };
  } else {
    const member = chain.targets.find((t) => t.targetId === target.targetId);
    if (!member) invalid(`target ${target.targetId} is not in chain ${chain.chainId}`);
    if (member.publicState !== 'OFFLINE') invalid(`target ${target.targetId} is ${member.publicState}; only an OFFLINE target can be removed`);
    next = { ...chain, chainVersion: chain.chainVersion + 1, targets: chain.targets.filter((t) => t.targetId !== target.targetId) };
  }
  const chainId = request.op === 'add' ? chain.chainId : 0;
  return {
    write: (txn) => {
      writeChain(txn, next);
      writeTarget(txn, { ...target, chainId });
    },
    apply: () => {
      state.chains.set(next.chainId, next);
      target.chainId = chainId;
    },
  };
}

/**
 * Forces a target's local state OFFLINE and, unless chain changes are on hold (bootstrapping, newborn
 * chain), runs the state machine on its chain at once, so the demotion is decided (and the chain
 * version raised, which makes the node's older reports stale) before its next heartbeat.
 */
export function offlineTarget(state: MgmtdState, request: TargetRequest, chainChangesAllowed: boolean): MgmtdChange<void> {
  const target = targetOf(state, request.targetId);
  const chain = target.chainId && chainChangesAllowed && !state.newbornChains.has(target.chainId) ? state.chains.get(target.chainId) : undefined;
  const next = chain ? nextChain(chain, (id) => (id === target.targetId ? 'OFFLINE' : state.targets.get(id)?.localState)) : undefined;
  const markOffline = (): void => {
    if (target.localState !== 'OFFLINE') state.dirty = true;
    target.localState = 'OFFLINE';
  };
  if (!next || next === chain) return { apply: markOffline };
  return {
    write: (txn) => writeChain(txn, next),
    apply: () => {
      markOffline();
      state.chains.set(next.chainId, next);
    },
  };
}

/** Forgets an orphan target. A target in a chain must first leave it (updateChain remove). */
export function removeTarget(state: MgmtdState, request: TargetRequest): MgmtdChange<void> {
  const target = targetOf(state, request.targetId);
  if (target.chainId !== 0) invalid(`target ${target.targetId} is in chain ${target.chainId}; remove it from the chain first`);
  return {
    write: (txn) => clearTarget(txn, target.targetId),
    apply: () => {
      state.targets.delete(target.targetId);
    },
  };
}

/**
 * One round of the chain state machine over every chain not on hold (3FS MgmtdChainsUpdater). 3FS
 * only recomputes chains whose targets reported since the last round; heartbeats make that nearly
 * all of them, and the machine is a pure function of chain and local states, so we run it on all.
 */
export function updateChains(state: MgmtdState, nowNs: number, newChainBootstrapNs: number): MgmtdChange<ChainInfo[]> {
  for (const [chainId, bornNs] of state.newbornChains) {
    if (nowNs - bornNs >= newChainBootstrapNs) state.newbornChains.delete(chainId);
  }
  const changed: ChainInfo[] = [];
  for (const chainId of [...state.chains.keys()].sort((a, b) => a - b)) {
    if (state.newbornChains.has(chainId)) continue;
    const chain = state.chains.get(chainId)!;
    const next = nextChain(chain, (id) => state.targets.get(id)?.localState);
    if (next !== chain) changed.push(next);
  }
  if (changed.length === 0 && !state.dirty) return unchanged([]);
  return {
    write: (txn) => {
      for (const chain of changed) writeChain(txn, chain);
    },
    apply: () => {
      for (const chain of changed) state.chains.set(chain.chainId, chain);
      return changed;
    },
  };
}
