import { setTimeout as sleep } from 'node:timers/promises';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { RoutingInfo } from '../../services/mgmtd/types.ts';
import type { MgmtdSession } from '../admin/mgmtd-session.ts';
import { publicStateCounts } from '../admin/routing-tables.ts';
import type { Progress } from '../progress.ts';

const POLL_MS = 250;

/**
 * True when the routing has `expectedTargets` targets in chains, every one publicly SERVING and locally
 * UPTODATE, and the manager is past bootstrapping: right after a manager restart its snapshot still shows
 * the states persisted before, which the first heartbeats may yet overturn.
 */
export function allServing(routing: RoutingInfo, expectedTargets: number): boolean {
  if (routing.bootstrapping) return false;
  const counts = publicStateCounts(routing);
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const upToDate = Object.values(routing.targets).filter((t) => t.chainId !== 0 && t.localState === 'UPTODATE').length;
  return total === expectedTargets && counts['SERVING'] === expectedTargets && upToDate === expectedTargets;
}

/**
 * Polls the manager until every target is SERVING, showing how many are and what the others are doing;
 * CLUSTER_NOT_READY with the last states seen when the deadline passes.
 */
export async function waitAllServing(session: MgmtdSession, options: {
  readonly expectedTargets: number;
  readonly timeoutMs: number;
  readonly progress: Progress;
}): Promise<RoutingInfo> {
  const startedMs = performance.now();
  let last = 'no answer from the manager yet';
  for (;;) {
    const elapsedS = ((performance.now() - startedMs) / 1000).toFixed(1);
    try {
      const routing = await session.routing();
      if (allServing(routing, options.expectedTargets)) {
        options.progress.line(`all ${options.expectedTargets} targets SERVING (${elapsedS} s)`);
        return routing;
      }
      const counts = publicStateCounts(routing);
      const others = Object.entries(counts).filter(([state]) => state !== 'SERVING').map(([state, n]) => `${state} ${n}`);
      const stale = Object.values(routing.targets).filter((t) => t.chainId !== 0 && t.localState !== 'UPTODATE').length;
      last = `${counts['SERVING'] ?? 0}/${options.expectedTargets} targets SERVING${others.length ? ` (${others.join(', ')})` : ''}` +
        (stale > 0 ? `, ${stale} not yet UPTODATE` : '') + (routing.bootstrapping ? ', manager bootstrapping' : '');
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      last = `manager not answering: ${error.fullCode}`;
    }
    options.progress.update(`waiting for targets: ${last} [${elapsedS} s]`);
    if (performance.now() - startedMs > options.timeoutMs) {
      throw new FlyerError('CLUSTER_NOT_READY', `not every target was SERVING after ${options.timeoutMs} ms: ${last}`);
    }
    await sleep(POLL_MS);
  }
}
