import { FlyerError, toFlyerError } from '../../env/errors.ts';
import { inSnapshot, type MetaContext } from './context.ts';
import type { BatchStatByPathRequest, ListReply, ListRequest, StatOutcome, StatRequest } from './messages.ts';
import { checkName, splitPath } from './names.ts';
import { directoryPath, resolveParts } from './path-resolver.ts';
import type { Inode, InodeId, StatFs } from './types.ts';

/** 3FS lists 128 entries per call by default; more is allowed up to this. */
export const LIST_LIMIT_DEFAULT = 128;
export const LIST_LIMIT_MAX = 4096;
export const BATCH_STAT_MAX = 4096;

/** stat / lstat by path, or by inode id. Snapshot reads: never conflicts with writers. */
export async function stat(ctx: MetaContext, request: StatRequest): Promise<Inode> {
  if (request.inodeId !== undefined) {
    const id = checkInodeId(request.inodeId);
    return inSnapshot(ctx, async (mt) => visible(await mt.mustInode(id)));
  }
  const parts = splitPath(request.path);
  return inSnapshot(ctx, async (mt) => (await resolveParts(mt, parts, request.followLast !== false)).inode);
}

export async function batchStat(ctx: MetaContext, inodeIds: readonly InodeId[]): Promise<Array<Inode | null>> {
  if (!Array.isArray(inodeIds) || inodeIds.length > BATCH_STAT_MAX) throw new FlyerError('INVALID_ARGUMENT', `batch of at most ${BATCH_STAT_MAX} ids`);
  const ids = inodeIds.map(checkInodeId);
  return inSnapshot(ctx, async (mt) => {
    const inodes = await Promise.all(ids.map((id) => mt.inode(id)));
    return inodes.map((inode) => (inode && inode.nlink > 0 ? inode : null));
  });
}

export async function batchStatByPath(ctx: MetaContext, request: BatchStatByPathRequest): Promise<StatOutcome[]> {
  if (!Array.isArray(request.paths) || request.paths.length > BATCH_STAT_MAX) throw new FlyerError('INVALID_ARGUMENT', `batch of at most ${BATCH_STAT_MAX} paths`);
  return inSnapshot(ctx, (mt) => Promise.all(request.paths.map(async (path): Promise<StatOutcome> => {
    try {
      return { ok: true, inode: (await resolveParts(mt, splitPath(path), request.followLast !== false)).inode };
    } catch (error) {
      const coded = toFlyerError(error);
      return { ok: false, code: coded.code, detail: coded.detail };
    }
  })));
}

/** readdir: entries in name order, `limit` at a time, resuming after `afterName`. */
export async function list(ctx: MetaContext, request: ListRequest): Promise<ListReply> {
  const parts = splitPath(request.path);
  const limit = request.limit ?? LIST_LIMIT_DEFAULT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) throw new FlyerError('INVALID_ARGUMENT', `list limit ${limit} (1..${LIST_LIMIT_MAX})`);
  if (request.afterName !== undefined) checkName(request.afterName);
  return inSnapshot(ctx, async (mt) => {
    const { inode } = await resolveParts(mt, parts, true);
    if (inode.type !== 'directory') throw new FlyerError('META_NOT_DIRECTORY', request.path);
    const entries = await mt.entries(inode.id, limit + 1, request.afterName);
    return { entries: entries.slice(0, limit), more: entries.length > limit };
  });
}

/** The canonical absolute path: symlinks and '..' resolved (3FS getRealPath). */
export async function realPath(ctx: MetaContext, request: StatRequest): Promise<string> {
  const parts = splitPath(request.path);
  return inSnapshot(ctx, async (mt) => {
    const resolved = await resolveParts(mt, parts, request.followLast !== false);
    if (resolved.inode.type === 'directory') return directoryPath(mt, resolved.inode);
    if (!resolved.parent || resolved.name === undefined) throw new FlyerError('ASSERTION', 'a non-directory always has a parent');
    const dirPath = await directoryPath(mt, resolved.parent);
    return dirPath === '/' ? `/${resolved.name}` : `${dirPath}/${resolved.name}`;
  });
}

export async function statFs(ctx: MetaContext): Promise<StatFs> {
  if (!ctx.chunks) throw new FlyerError('NOT_IMPLEMENTED', 'this meta server has no storage client for statfs');
  return ctx.chunks.statFs();
}

/** A removed inode (nlink 0, waiting for GC) is gone for path and id lookups alike. */
function visible(inode: Inode): Inode {
  if (inode.nlink === 0) throw new FlyerError('META_NOT_FOUND', `inode ${inode.id} was removed`);
  return inode;
}

export function checkInodeId(id: unknown): InodeId {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new FlyerError('INVALID_ARGUMENT', `bad inode id ${String(id)}`);
  return id;
}

