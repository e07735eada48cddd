import type { FileLayout } from '../client/layout.ts';

/**
 * The metadata model (3fs-notes §1.2): inodes are files, directories or symlinks; a directory entry maps
 * (parent inode, name) to a child inode. Inode ids are safe integers (3FS uses 64 bits; ids past 2^53
 * are never handed out here, an invariant the allocator asserts).
 */
export type InodeId = number;

/** The root directory; 3FS numbers it 0 too. */
export const ROOT_INODE_ID: InodeId = 0;
/** Parent of the GC directories, never reachable by path. */
export const GC_ROOT_INODE_ID: InodeId = 1;
/** The first id the allocator hands out (3FS starts at 0x1000 as well). */
export const FIRST_ALLOCATED_INODE_ID: InodeId = 0x1000;

export type InodeType = 'file' | 'directory' | 'symlink';

export interface Acl {
  readonly uid: number;
  readonly gid: number;
  /** Permission bits, e.g. 0o644. */
  readonly perm: number;
}

/** What a directory hands to files created in it (3FS: the directory's default layout). */
export interface DirectoryLayout {
  readonly tableId: number;
  readonly tableVersion: number;
  readonly chunkSizeBytes: number;
  readonly stripeSize: number;
}

interface InodeBase extends Acl {
  readonly id: InodeId;
  readonly nlink: number;
  readonly atimeNs: number;
  readonly mtimeNs: number;
  readonly ctimeNs: number;
}

export interface FileInode extends InodeBase {
  readonly type: 'file';
  readonly lengthBytes: number;
  /** Bumped by every truncate, so a length hint computed before it cannot win (3FS truncateVer). */
  readonly truncateVersion: number;
  readonly layout: FileLayout;
}

export interface DirectoryInode extends InodeBase {
  readonly type: 'directory';
  /** Needed for rename's loop check and for real paths. */
  readonly parentId: InodeId;
  /** Own name in the parent (empty for the root). */
  readonly name: string;
  readonly layout: DirectoryLayout;
}

export interface SymlinkInode extends InodeBase {
  readonly type: 'symlink';
  readonly target: string;
}

export type Inode = FileInode | DirectoryInode | SymlinkInode;

export interface DirEntry {
  readonly parentId: InodeId;
  readonly name: string;
  readonly inodeId: InodeId;
  readonly type: InodeType;
}

/** A write-mode open (3FS FileSession): a file with sessions is not collected after removal. */
export interface FileSession {
  readonly inodeId: InodeId;
  readonly sessionId: string;
  readonly clientId: string;
  readonly createdNs: number;
}

/** A removed file or directory waiting in a GC directory for its chunks to be removed. */
export interface GcEntry {
  readonly inodeId: InodeId;
  readonly type: InodeType;
  /** Env wall clock when it was removed; collection waits the configured delay after it. */
  readonly removedNs: number;
  /** Original path, for operators. */
  readonly path: string;
}

export interface StatFs {
  readonly capacityBytes: number;
  readonly usedBytes: number;
  readonly freeBytes: number;
}

/** Who asks: every meta request carries it (3FS: user info and client id). */
export interface Caller {
  readonly clientId: string;
  readonly uid: number;
  readonly gid: number;
}

export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;
/** Symlinks followed while resolving one path (3FS: at most 10 per path). */
export const MAX_SYMLINKS_PER_PATH = 10;
export const MAX_DIRECTORY_DEPTH = 64;
export const MAX_NLINK = 0xffff;
