import { FlyerError } from '../../env/errors.ts';
import type { NodeId } from '../../env/types.ts';
import type { ChainId, ChainInfo, RoutingInfo, TargetId, TargetInfo } from '../mgmtd/types.ts';

/** What the storage client needs to route: the newest snapshot it has, and a way to ask for a newer one. */
export interface RoutingProvider {
  current(): RoutingInfo | undefined;
  refresh(): Promise<void>;
}

export interface RoutedTarget {
  readonly targetId: TargetId;
  readonly nodeId: NodeId;
}

export function chainOf(routing: RoutingInfo, chainId: ChainId): ChainInfo {
  const chain = routing.chains[String(chainId)];
  if (!chain) throw new FlyerError('MGMTD_CHAIN_UNKNOWN', `chain ${chainId} (routing version ${routing.routingVersion})`);
  return chain;
}

export function targetOf(routing: RoutingInfo, targetId: TargetId): TargetInfo {
  const target = routing.targets[String(targetId)];
  if (!target) throw new FlyerError('MGMTD_TARGET_UNKNOWN', `target ${targetId}`);
  return target;
}

/** The head: the first target of the chain, if it is SERVING (writes need a serving head). */
export function headOf(routing: RoutingInfo, chain: ChainInfo): RoutedTarget | undefined {
  const first = chain.targets[0];
  if (!first || first.publicState !== 'SERVING') return undefined;
  return { targetId: first.targetId, nodeId: targetOf(routing, first.targetId).nodeId };
}

/** Every SERVING replica, in chain order: the ones reads may go to. */
export function servingTargets(routing: RoutingInfo, chain: ChainInfo): RoutedTarget[] {
  return chain.targets
    .filter((t) => t.publicState === 'SERVING')
    .map((t) => ({ targetId: t.targetId, nodeId: targetOf(routing, t.targetId).nodeId }));
}
