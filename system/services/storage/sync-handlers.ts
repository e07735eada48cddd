/**
 * The receiving side of resync and the metadata dump checkers use (3FS syncStart, syncDone,
 * getAllChunkMetadata): a SYNCING target hands its predecessor all its chunk metadata, and is told when
 * the predecessor has sent everything, which makes it UPTODATE locally.
 */
import { FlyerError } from '../../env/errors.ts';
import type { RequestContext } from '../../env/types.ts';
import type { LocalChainView } from './chain-view.ts';
import type { ChannelTable } from './channel-table.ts';
import { checkChainVersion, isDiskError, type LocalTarget, type LocalTargets } from './local-targets.ts';
import type { SyncStartRequest, SyncStartResponse } from './messages.ts';
import { checkSyncRequest, checkTargetRequest } from './request-checks.ts';
import { listAllMetas, wireMetas } from './resync.ts';
import type { TargetStates } from './target-states.ts';

export class SyncHandlers {
  constructor(private readonly targets: LocalTargets, private readonly states: TargetStates, private readonly channels: ChannelTable) {}

  async syncStart(request: unknown, context: RequestContext): Promise<SyncStartResponse> {
    const { target, view } = await this.#syncingTarget(checkSyncRequest(request), context);
    // The predecessor will overwrite our chunks with its versions: what our exactly-once table says
    // was committed here may be undone, so it must not answer retries any more.
    this.channels.forgetChain(view.chainId);
    return { metas: await this.#metas(target) };
  }

  async syncDone(request: unknown, context: RequestContext): Promise<{ readonly ok: true }> {
    const { target } = await this.#syncingTarget(checkSyncRequest(request), context);
    this.states.markSynced(target);
    return { ok: true };
  }

  /** Every chunk's metadata of a local target, whatever its state (for checkers and tools). */
  async allChunkMetadata(request: unknown): Promise<SyncStartResponse> {
    return { metas: await this.#metas(this.targets.byId(checkTargetRequest(request))) };
  }

  /** The target named by a sync request, if it is SYNCING at that chain version and the caller is its predecessor. */
  async #syncingTarget(request: SyncStartRequest, context: RequestContext): Promise<{ target: LocalTarget; view: LocalChainView }> {
    const target = this.targets.byId(request.targetId);
    const routing = await this.targets.routingFor(request.chainId, request.chainVersion);
    const view = this.targets.viewOf(target, routing);
    if (!view || view.chainId !== request.chainId) throw new FlyerError('STORAGE_TARGET_UNKNOWN', `target ${target.targetId} is not in chain ${request.chainId}`);
    checkChainVersion(view, request.chainVersion);
    if (view.publicState !== 'SYNCING') throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `target ${target.targetId} is ${view.publicState}, not SYNCING`);
    if (target.phase !== 'active' || target.localState !== 'ONLINE') {
      throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `target ${target.targetId} is ${target.phase}/${target.localState}, not ready to be synced`);
    }
    if (view.predecessor?.nodeId !== context.from) {
      throw new FlyerError('STORAGE_ROUTING_VERSION_MISMATCH', `${context.from} is not the predecessor of target ${target.targetId}`);
    }
    return { target, view };
  }

  async #metas(target: LocalTarget): Promise<SyncStartResponse['metas']> {
    try {
      return wireMetas(await listAllMetas(target.requireStore()));
    } catch (error) {
      if (isDiskError(error)) this.states.diskFailed(target, error);
      throw error;
    }
  }
}
