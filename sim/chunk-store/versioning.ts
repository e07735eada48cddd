/**
 * CRAQ version rules of the simulated chunk store, the same as the Rust engine's
 * (system/native/chunk-engine/src/store/versioning.rs): pure functions of the stored entry and the
 * request, so the store and its tests share one definition.
 */
import { FlyerError } from '../../system/env/errors.ts';
import type { Payload } from '../../system/env/payload.ts';

/** One stored version of a chunk. */
export interface ChunkVersion {
  readonly version: number;
  readonly chainVersion: number;
  /** The whole chunk, in the normal form of system/services/storage/chunk-content.ts. */
  readonly content: Payload;
  readonly crc32c: number;
}

/** The at most one not-yet-committed version: new content, or a remove waiting for its commit. */
export type PendingVersion =
  | { readonly kind: 'data'; readonly version: ChunkVersion; readonly isReplace: boolean }
  | { readonly kind: 'remove'; readonly version: number; readonly chainVersion: number };

export interface ChunkEntry {
  readonly committed: ChunkVersion | undefined;
  readonly pending: PendingVersion | undefined;
}

export type UpdateKind = 'write' | 'replace' | 'truncate' | 'remove';

export function pendingVersionNumber(pending: PendingVersion): number {
  return pending.kind === 'data' ? pending.version.version : pending.version;
}

/** The version a new pending copy gets; a valid update replaces any pending copy, never stacks on it. */
export function chooseUpdateVersion(entry: ChunkEntry | undefined, kind: UpdateKind, requestVersion: number, requestChainVersion: number): number {
  const committed = entry?.committed;
  const commitVersion = committed?.version ?? 0;
  if (committed && requestChainVersion < committed.chainVersion) {
    throw new FlyerError('CHUNK_CHAIN_VERSION_MISMATCH', `request chain version ${requestChainVersion} < stored ${committed.chainVersion}`);
  }
  if (kind === 'remove' && entry === undefined) throw new FlyerError('CHUNK_NOT_FOUND', 'remove of a chunk that does not exist');
  // The head passes 0 and the store picks one past the committed version.
  if (requestVersion === 0) return commitVersion + 1;
  // A full-chunk replace comes from resync or a forward to a SYNCING target: it is authoritative.
  if (kind === 'replace') return requestVersion;
  if (requestVersion <= commitVersion) {
    throw new FlyerError('CHUNK_COMMITTED_UPDATE', `update version ${requestVersion} <= committed version ${commitVersion}`);
  }
  if (requestVersion > commitVersion + 1) {
    throw new FlyerError('CHUNK_MISSING_UPDATE', `update version ${requestVersion} skips past committed version ${commitVersion} + 1`);
  }
  return requestVersion;
}

export type CommitDecision = 'apply' | 'stale';

/** Whether a commit applies the pending version or repeats one already made (reported as success). */
export function decideCommit(entry: ChunkEntry | undefined, requestVersion: number, requestChainVersion: number): CommitDecision {
  if (entry === undefined) throw new FlyerError('CHUNK_NOT_FOUND', `commit of version ${requestVersion} for a chunk that does not exist`);
  const committed = entry.committed;
  if (committed && requestChainVersion < committed.chainVersion) {
    throw new FlyerError('CHUNK_CHAIN_VERSION_MISMATCH', `commit chain version ${requestChainVersion} < stored ${committed.chainVersion}`);
  }
  const pending = entry.pending;
  if (pending && pendingVersionNumber(pending) === requestVersion) return 'apply';
  if (requestVersion <= (committed?.version ?? 0)) return 'stale';
  const what = pending ? `the pending version is ${pendingVersionNumber(pending)}` : `nothing is pending (committed ${committed?.version ?? 0})`;
  throw new FlyerError('CHUNK_COMMIT_MISMATCH', `commit of version ${requestVersion} but ${what}`);
}
