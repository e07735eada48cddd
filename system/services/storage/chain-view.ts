/**
 * A local target's place in its chain, read off a routing snapshot as 3FS's TargetMap does
 * (3fs-notes §1.3 "Local view of chains"): the head is the first target if it is SERVING or SYNCING;
 * the successor is the next target only if it is SERVING or SYNCING (a WAITING or OFFLINE next target
 * means this one acts as the tail); the predecessor is the target whose successor this one is.
 */
import type { NodeId } from '../../env/types.ts';
import type { ChainId, ChainInfo, PublicTargetState, RoutingInfo, TargetId } from '../mgmtd/types.ts';

export interface ChainNeighbour {
  readonly targetId: TargetId;
  readonly nodeId: NodeId;
  readonly publicState: PublicTargetState;
}

export interface LocalChainView {
  readonly chainId: ChainId;
  readonly chainVersion: number;
  readonly targetId: TargetId;
  readonly publicState: PublicTargetState;
  readonly isHead: boolean;
  /** SERVING or SYNCING: the target takes chain updates. */
  readonly writable: boolean;
  readonly predecessor: ChainNeighbour | undefined;
  readonly successor: ChainNeighbour | undefined;
}

export function isWritableState(state: PublicTargetState | undefined): boolean {
  return state === 'SERVING' || state === 'SYNCING';
}

/** The chain `targetId` belongs to, found through its TargetInfo or, failing that, by a scan. */
export function chainOfTarget(routing: RoutingInfo, targetId: TargetId): ChainInfo | undefined {
  const chainId = routing.targets[String(targetId)]?.chainId;
  if (chainId) {
    const chain = routing.chains[String(chainId)];
    if (chain?.targets.some((t) => t.targetId === targetId)) return chain;
  }
  return Object.values(routing.chains).find((chain) => chain.targets.some((t) => t.targetId === targetId));
}

export function localChainView(routing: RoutingInfo, targetId: TargetId): LocalChainView | undefined {
  const chain = chainOfTarget(routing, targetId);
  if (!chain) return undefined;
  const index = chain.targets.findIndex((t) => t.targetId === targetId);
  const self = chain.targets[index]!;
  const writable = isWritableState(self.publicState);
  const neighbour = (at: number): ChainNeighbour | undefined => {
    const entry = chain.targets[at];
    const nodeId = entry ? routing.targets[String(entry.targetId)]?.nodeId : undefined;
    return entry && nodeId !== undefined ? { targetId: entry.targetId, nodeId, publicState: entry.publicState } : undefined;
  };
  const next = neighbour(index + 1);
  const previous = index > 0 ? neighbour(index - 1) : undefined;
  return {
    chainId: chain.chainId,
    chainVersion: chain.chainVersion,
    targetId,
    publicState: self.publicState,
    isHead: index === 0 && writable,
    writable,
    predecessor: writable && previous && isWritableState(previous.publicState) ? previous : undefined,
    successor: writable && next && isWritableState(next.publicState) ? next : undefined,
  };
}
