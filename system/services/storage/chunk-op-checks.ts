/**
 * Shape checks of the chunk range and space requests, before anything looks at state: a malformed
 * request gets a coded error (FLYER_ERR_INVALID_ARGUMENT, or STORAGE_CHUNK_RANGE_INVALID for a range
 * that ends before it begins) and changes nothing.
 */
import type { ChunkId } from '../../env/chunk-store.ts';
import { FlyerError } from '../../env/errors.ts';
import { chunkIdFromHex, compareChunkIds } from '../common/chunk-key.ts';
import type { ChainId, TargetId } from '../mgmtd/types.ts';
import { checkCount } from './request-checks.ts';

const U32_MAX = 0xffff_ffff;

export interface CheckedRangeRequest {
  readonly chainId: ChainId;
  readonly chainVersion: number;
  readonly begin: ChunkId;
  readonly end: ChunkId;
  /** The request's maxChunks, capped at what one call may look at. */
  readonly maxChunks: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Checks a queryLastChunk or listChunks request; `maxChunksCap` bounds the work of one call. */
export function checkRangeRequest(request: unknown, maxChunksCap: number): CheckedRangeRequest {
  if (!isObject(request)) throw new FlyerError('INVALID_ARGUMENT', 'a chunk range request needs a request object');
  const chainId = checkCount(request.chainId, 'chainId', U32_MAX);
  const chainVersion = checkCount(request.chainVersion, 'chainVersion', U32_MAX);
  const range = request.range;
  if (!isObject(range)) throw new FlyerError('INVALID_ARGUMENT', 'a chunk range request needs a range {begin, end}');
  const begin = chunkIdFromHex(range.begin as string);
  const end = chunkIdFromHex(range.end as string);
  if (compareChunkIds(begin, end) > 0) throw new FlyerError('STORAGE_CHUNK_RANGE_INVALID', `[${String(range.begin)}, ${String(range.end)})`);
  const maxChunks = checkCount(request.maxChunks, 'maxChunks');
  if (maxChunks === 0) throw new FlyerError('INVALID_ARGUMENT', 'maxChunks must be at least 1');
  return { chainId, chainVersion, begin, end, maxChunks: Math.min(maxChunks, maxChunksCap) };
}

/** Checks a spaceInfo request; returns the targets asked for (undefined: all local ones). */
export function checkSpaceInfoRequest(request: unknown, targetsMax: number): readonly TargetId[] | undefined {
  if (!isObject(request)) throw new FlyerError('INVALID_ARGUMENT', 'a spaceInfo request needs a request object');
  const targetIds = request.targetIds;
  if (targetIds === undefined) return undefined;
  if (!Array.isArray(targetIds)) throw new FlyerError('INVALID_ARGUMENT', 'targetIds must be an array');
  if (targetIds.length > targetsMax) throw new FlyerError('INVALID_ARGUMENT', `at most ${targetsMax} targetIds, got ${targetIds.length}`);
  return targetIds.map((id, i) => checkCount(id, `targetIds[${i}]`));
}
