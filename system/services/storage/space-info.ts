/**
 * Space report of this node's targets (3FS spaceInfo; meta's statFs adds them up): capacity, used and
 * free bytes per target, straight from each target's chunk store. Answered in any target state, even
 * while fencing, since it reads no chunk data; a target whose disk failed or that is not on this node
 * gets a coded per-target error, so one bad target does not hide the others.
 */
import { assert } from '../../env/assert.ts';
import { isFlyerError } from '../../env/errors.ts';
import { checkSpaceInfoRequest } from './chunk-op-checks.ts';
import { isDiskError, type LocalTarget, type LocalTargets } from './local-targets.ts';
import type { SpaceInfoResponse, TargetSpace } from './messages.ts';
import type { TargetStates } from './target-states.ts';

/** Targets one request may name: far more than a node hosts (3FS deploys tens per node). */
export const SPACE_INFO_TARGETS_MAX = 4096;

export class SpaceReporter {
  constructor(private readonly targets: LocalTargets, private readonly states: TargetStates) {}

  async spaceInfo(request: unknown): Promise<SpaceInfoResponse> {
    const asked = checkSpaceInfoRequest(request, SPACE_INFO_TARGETS_MAX);
    const ids = asked ?? this.targets.all.map((t) => t.targetId);
    return { targets: await Promise.all(ids.map((targetId) => this.#one(targetId))) };
  }

  async #one(targetId: number): Promise<TargetSpace> {
    let target: LocalTarget | undefined;
    try {
      target = this.targets.byId(targetId);
      const space = await target.requireStore().spaceInfo();
      assert(space.usedBytes + space.freeBytes <= space.capacityBytes, `target ${targetId}: used ${space.usedBytes} + free ${space.freeBytes} > capacity ${space.capacityBytes}`);
      return { targetId, ok: true, capacityBytes: space.capacityBytes, usedBytes: space.usedBytes, freeBytes: space.freeBytes, lowSpace: space.lowSpace };
    } catch (error) {
      // A broken invariant is a bug to surface, not a target to skip.
      if (!isFlyerError(error) || error.code === 'ASSERTION') throw error;
      if (target && isDiskError(error)) this.states.diskFailed(target, error);
      return { targetId, ok: false, code: error.code, detail: error.detail };
    }
  }
}
