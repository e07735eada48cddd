import { defineMethod } from '../../env/types.ts';
import type { Caller, DirectoryLayout, DirEntry, Inode, InodeId, StatFs } from './types.ts';

/** Service id 4, as 3FS numbers its metadata service; method ids follow 3FS's list where they exist. */
export const META_SERVICE_ID = 4;

interface Request {
  readonly caller: Caller;
}

/**
 * Operations that change the namespace carry a request id chosen once per operation (not per attempt):
 * a retry after a lost reply finds the first attempt's result instead of failing with EEXIST/ENOENT.
 */
interface MutatingRequest extends Request {
  readonly requestId: string;
}

export interface StatRequest extends Request {
  readonly path?: string;
  readonly inodeId?: InodeId;
  /** Follow a symlink in the last component (stat), or not (lstat). Default true. */
  readonly followLast?: boolean;
}

export interface BatchStatRequest extends Request {
  readonly inodeIds: readonly InodeId[];
}

export interface BatchStatByPathRequest extends Request {
  readonly paths: readonly string[];
  readonly followLast?: boolean;
}

export type StatOutcome = { readonly ok: true; readonly inode: Inode } | { readonly ok: false; readonly code: string; readonly detail: string };

export interface CreateRequest extends MutatingRequest {
  readonly path: string;
  readonly perm?: number;
  /** O_EXCL: fail if the name exists. Otherwise an existing file is opened. */
  readonly exclusive?: boolean;
  /** Open for write: a write session is recorded under this id. */
  readonly sessionId?: string;
  /** O_TRUNC on an existing file. */
  readonly truncate?: boolean;
}

export interface OpenRequest extends Request {
  readonly path: string;
  readonly sessionId?: string;
  readonly truncate?: boolean;
}

export interface InodeReply {
  readonly inode: Inode;
}

export interface CloseRequest extends Request {
  readonly inodeId: InodeId;
  readonly sessionId?: string;
  /** The end of the furthest write the client made (3FS length hint). */
  readonly lengthHintBytes?: number;
  /** The truncate version the hint was computed under; a hint from before a truncate is ignored. */
  readonly truncateVersion?: number;
  /** Ask storage for the exact length (close and fsync do). */
  readonly updateLength?: boolean;
}

export interface MkdirsRequest extends MutatingRequest {
  readonly path: string;
  readonly perm?: number;
  /** Create missing ancestors too, and succeed if the directory exists (mkdir -p). */
  readonly recursive?: boolean;
  readonly layout?: DirectoryLayout;
}

export interface SymlinkRequest extends MutatingRequest {
  readonly path: string;
  readonly target: string;
}

export interface HardLinkRequest extends MutatingRequest {
  readonly oldPath: string;
  readonly newPath: string;
}

export interface RemoveRequest extends MutatingRequest {
  readonly path: string;
  readonly recursive?: boolean;
  /** Only remove a directory (rmdir) / only a non-directory (unlink); absent: either. */
  readonly expect?: 'directory' | 'file';
  /** Move into /trash/<uid> instead, to be deleted once this much time has passed. */
  readonly trashExpireNs?: number;
}

export interface RenameRequest extends MutatingRequest {
  readonly srcPath: string;
  readonly dstPath: string;
}

export interface ListRequest extends Request {
  readonly path: string;
  readonly afterName?: string;
  readonly limit?: number;
}

export interface ListReply {
  readonly entries: readonly DirEntry[];
  readonly more: boolean;
}

export interface SetAttrRequest extends MutatingRequest {
  readonly path: string;
  readonly followLast?: boolean;
  readonly perm?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly atimeNs?: number;
  readonly mtimeNs?: number;
  /** Directories only: the layout new files inherit. */
  readonly layout?: DirectoryLayout;
}

export interface TruncateRequest extends MutatingRequest {
  readonly path?: string;
  readonly inodeId?: InodeId;
  readonly lengthBytes: number;
}

export interface PathReply {
  readonly path: string;
}

export interface PruneSessionsRequest extends Request {
  /** Prune the write sessions of this client (it is gone). */
  readonly deadClientId: string;
}

export const metaStatFs = defineMethod<Request, StatFs>(META_SERVICE_ID, 1, 'meta.statFs');
export const metaStat = defineMethod<StatRequest, InodeReply>(META_SERVICE_ID, 2, 'meta.stat');
export const metaCreate = defineMethod<CreateRequest, InodeReply>(META_SERVICE_ID, 3, 'meta.create');
export const metaMkdirs = defineMethod<MkdirsRequest, InodeReply>(META_SERVICE_ID, 4, 'meta.mkdirs');
export const metaSymlink = defineMethod<SymlinkRequest, InodeReply>(META_SERVICE_ID, 5, 'meta.symlink');
export const metaHardLink = defineMethod<HardLinkRequest, InodeReply>(META_SERVICE_ID, 6, 'meta.hardLink');
export const metaRemove = defineMethod<RemoveRequest, { readonly ok: true }>(META_SERVICE_ID, 7, 'meta.remove');
export const metaOpen = defineMethod<OpenRequest, InodeReply>(META_SERVICE_ID, 8, 'meta.open');
export const metaSync = defineMethod<CloseRequest, InodeReply>(META_SERVICE_ID, 9, 'meta.sync');
export const metaClose = defineMethod<CloseRequest, InodeReply>(META_SERVICE_ID, 10, 'meta.close');
export const metaRename = defineMethod<RenameRequest, { readonly ok: true }>(META_SERVICE_ID, 11, 'meta.rename');
export const metaList = defineMethod<ListRequest, ListReply>(META_SERVICE_ID, 12, 'meta.list');
export const metaTruncate = defineMethod<TruncateRequest, InodeReply>(META_SERVICE_ID, 13, 'meta.truncate');
export const metaGetRealPath = defineMethod<StatRequest, PathReply>(META_SERVICE_ID, 14, 'meta.getRealPath');
export const metaSetAttr = defineMethod<SetAttrRequest, InodeReply>(META_SERVICE_ID, 15, 'meta.setAttr');
export const metaPruneSessions = defineMethod<PruneSessionsRequest, { readonly pruned: number }>(META_SERVICE_ID, 16, 'meta.pruneSessions');
export const metaBatchStat = defineMethod<BatchStatRequest, { readonly inodes: ReadonlyArray<Inode | null> }>(META_SERVICE_ID, 20, 'meta.batchStat');
export const metaBatchStatByPath = defineMethod<BatchStatByPathRequest, { readonly results: readonly StatOutcome[] }>(META_SERVICE_ID, 21, 'meta.batchStatByPath');
