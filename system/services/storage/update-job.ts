/**
 * One chain update as this node processes it (a client write at the head, or an update forwarded by
 * the predecessor), and the check that this node may still process it: re-run after taking the chunk
 * lock and before every forward attempt, because the chain can change under a waiting update.
 */
import type { ChunkId, ChunkUpdate } from '../../env/chunk-store.ts';
import { FlyerError } from '../../env/errors.ts';
import type { LocalChainView } from './chain-view.ts';
import { checkChainVersion, type LocalTarget, type LocalTargets } from './local-targets.ts';
import type { ChunkKey, IoResult, LedgerEntryWire, UpdateTag } from './messages.ts';

export interface UpdateJob {
  readonly target: LocalTarget;
  /** 'client': a write to the head; 'forward': an update from the predecessor (or a resync). */
  readonly origin: 'client' | 'forward';
  readonly key: ChunkKey;
  readonly chunkId: ChunkId;
  readonly update: ChunkUpdate;
  /** 0 at the head (the store picks committed + 1); the head's choice further down the chain. */
  readonly updateVersion: number;
  readonly chunkSizeBytes: number;
  readonly tag: UpdateTag;
  /** A full-chunk replace for a SYNCING target: accepted whatever its version. */
  readonly syncing: boolean;
  /** A resync's chunk: the predecessor's update-ledger entries for it, which replace ours. */
  readonly ledger?: readonly LedgerEntryWire[];
}

/**
 * The target's current view, if it may still process `job`: the head must still be the head and
 * UPTODATE; any other node must still be SERVING or SYNCING. With `chainVersion`, the routing must
 * also still be at that version (the re-check after the chunk lock); forward retries pass none, so a
 * chain change re-routes the update instead of failing it (3FS allowOutdatedChainVer).
 */
export function checkPosition(targets: LocalTargets, job: UpdateJob, chainVersion?: number): LocalChainView {
  const { target } = job;
  const view = targets.viewOf(target);
  if (!view || view.chainId !== job.key.chainId) {
    throw new FlyerError('STORAGE_TARGET_UNKNOWN', `target ${target.targetId} is not in chain ${job.key.chainId}`);
  }
  if (target.phase !== 'active') throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `target ${target.targetId} is ${target.phase}`);
  if (job.origin === 'client') {
    if (!view.isHead) throw new FlyerError('STORAGE_NOT_HEAD', `target ${target.targetId} is not the head of chain ${view.chainId}`);
    if (target.localState !== 'UPTODATE') throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `head ${target.targetId} is ${target.localState}`);
  } else if (!view.writable) {
    throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `target ${target.targetId} is ${view.publicState}`);
  }
  if (chainVersion !== undefined) checkChainVersion(view, chainVersion);
  return view;
}

/** Bytes an update carries, as IoResult.lengthBytes reports them (3FS lengthInfo). */
export function updateLengthBytes(update: ChunkUpdate): number {
  switch (update.kind) {
    case 'write':
    case 'replace':
      return update.payload.sizeBytes;
    case 'truncate':
      return update.lengthBytes;
    case 'remove':
      return 0;
  }
}

export function ioResult(job: UpdateJob, fields: Omit<IoResult, 'lengthBytes'>): IoResult {
  return { lengthBytes: updateLengthBytes(job.update), ...fields };
}
