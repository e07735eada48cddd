import { isFlyerError } from '../../system/env/errors.ts';
import type { Env, NodeId } from '../../system/env/types.ts';
import { MgmtdClient } from '../../system/services/mgmtd/mgmtd-client.ts';
import type { LocalTargetReport, LocalTargetState, RoutingInfo, TargetId } from '../../system/services/mgmtd/types.ts';

/**
 * A stand-in storage node for manager tests: no data, just the target lifecycle a 3FS storage node
 * shows the manager (`src/storage/service/TargetMap.cc` updateLocalState):
 *   - every target starts ONLINE when the process starts (its data may be stale);
 *   - ONLINE and public SERVING -> UPTODATE;
 *   - UPTODATE and public OFFLINE, LASTSRV or WAITING -> OFFLINE (it stops serving until restarted);
 *   - ONLINE and public SYNCING -> UPTODATE after `syncDurationNs` (the resync a predecessor would run).
 * Heartbeats report each target with the chain version this node last saw. Besides its configured
 * targets, the node adopts any target the routing places on it (created later by an admin), as a
 * 3FS storage node reports the targets it created locally.
 */
export interface FakeStorageOptions {
  readonly managers: readonly NodeId[];
  readonly targets: readonly TargetId[];
  readonly heartbeatIntervalNs: number;
  readonly refreshIntervalNs: number;
  readonly syncDurationNs: number;
  readonly callTimeoutNs: number;
  /**
   * A target this node took OFFLINE is restarted (back ONLINE) after this long, as an operator or a
   * supervisor would; undefined = it stays OFFLINE until the process restarts (3FS's behaviour).
   */
  readonly targetRestartDelayNs?: number;
}

export async function bootFakeStorage(env: Env, options: FakeStorageOptions): Promise<void> {
  const local = new Map<TargetId, LocalTargetState>(options.targets.map((id) => [id, 'ONLINE']));
  const seenChainVersion = new Map<TargetId, number>();
  const syncing = new Set<TargetId>();
  const mgmtd = MgmtdClient.start(env, { managers: options.managers, refreshIntervalNs: options.refreshIntervalNs, callTimeoutNs: options.callTimeoutNs });

  const onRouting = (routing: RoutingInfo): void => {
    for (const info of Object.values(routing.targets)) {
      if (info.nodeId === env.nodeId && !local.has(info.targetId)) local.set(info.targetId, 'ONLINE');
    }
    for (const id of local.keys()) {
      const info = routing.targets[String(id)];
      const chain = info?.chainId ? routing.chains[String(info.chainId)] : undefined;
      if (!info || !chain) continue;
      seenChainVersion.set(id, chain.chainVersion);
      const state = local.get(id)!;
      const publicState = info.publicState;
      if (state === 'UPTODATE' && (publicState === 'OFFLINE' || publicState === 'LASTSRV' || publicState === 'WAITING')) {
        local.set(id, 'OFFLINE');
        const delayNs = options.targetRestartDelayNs;
        if (delayNs !== undefined) env.clock.setTimer(delayNs, () => local.set(id, 'ONLINE'));
      } else if (state === 'ONLINE' && publicState === 'SERVING') {
        local.set(id, 'UPTODATE');
      } else if (state === 'ONLINE' && publicState === 'SYNCING' && !syncing.has(id)) {
        syncing.add(id);
        env.clock.setTimer(options.syncDurationNs, () => {
          syncing.delete(id);
          if (local.get(id) === 'ONLINE') local.set(id, 'UPTODATE');
        });
      }
    }
  };
  mgmtd.onRouting(onRouting);

  for (;;) {
    try {
      await mgmtd.registerNode('STORAGE');
      break;
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      await env.clock.sleep(options.heartbeatIntervalNs);
    }
  }
  const reports = (): LocalTargetReport[] => [...local.keys()].map((targetId) => ({
    targetId, localState: local.get(targetId)!, chainVersion: seenChainVersion.get(targetId) ?? 0, usedBytes: 0, lowSpace: false,
  }));
  mgmtd.startHeartbeats({ type: 'STORAGE', intervalNs: options.heartbeatIntervalNs, targets: reports });
}
