import { FlyerError } from '../../env/errors.ts';
import type { MetaTxn } from './meta-txn.ts';
import { checkName, splitPath } from './names.ts';
import { MAX_DIRECTORY_DEPTH, MAX_SYMLINKS_PER_PATH, ROOT_INODE_ID, type DirectoryInode, type Inode } from './types.ts';

/** Where a path led: the inode, and the directory entry that named it (absent for the root). */
export interface Resolved {
  readonly inode: Inode;
  /** The directory holding the last component, and its name there. */
  readonly parent?: DirectoryInode;
  readonly name?: string;
}

/** A last component that does not exist: the directory and name where open(O_CREAT) creates it. */
export interface MissingLast {
  readonly inode: undefined;
  readonly parent: DirectoryInode;
  readonly name: string;
}

/**
 * Walks `parts` from the root inside the transaction. Symlinks in the middle of a path are always
 * followed; the last one only with `followLast` (stat vs lstat). An absolute link target restarts at the
 * root, a relative one continues from the link's directory; '..' goes to the parent (the root's parent
 * is the root). At most MAX_SYMLINKS_PER_PATH links per resolution, as 3FS bounds it.
 */
export async function resolveParts(mt: MetaTxn, parts: readonly string[], followLast: boolean): Promise<Resolved> {
  const resolved = await walk(mt, parts, followLast, false);
  if (resolved.inode === undefined) throw new FlyerError('ASSERTION', 'a walk without missingLastOk found every component');
  return resolved;
}

/**
 * Where open(O_CREAT) without O_EXCL lands: like stat, but a missing last component comes back as the
 * place to create it. That includes the target of a dangling symlink, which POSIX open creates.
 */
export async function resolveForCreate(mt: MetaTxn, parts: readonly string[]): Promise<Resolved | MissingLast> {
  return walk(mt, parts, true, true);
}

async function walk(mt: MetaTxn, parts: readonly string[], followLast: boolean, missingLastOk: boolean): Promise<Resolved | MissingLast> {
  const pending = [...parts].reverse();
  let dir = await mt.directory(ROOT_INODE_ID);
  let current: Resolved = { inode: dir };
  let linksFollowed = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (current.inode.type !== 'directory') throw new FlyerError('META_NOT_DIRECTORY', `'${current.name ?? '/'}' is a ${current.inode.type}`);
    dir = current.inode;
    if (part === '..') {
      const up = await mt.directory(dir.parentId);
      current = up.id === ROOT_INODE_ID ? { inode: up } : { inode: up, parent: await mt.directory(up.parentId), name: up.name };
      continue;
    }
    const entry = await mt.entry(dir.id, part);
    if (!entry) {
      // A name from a link target was never checked; it must be creatable before anything is created under it.
      if (missingLastOk && pending.length === 0) return { inode: undefined, parent: dir, name: checkName(part) };
      throw new FlyerError('META_NOT_FOUND', `'${part}' in directory ${dir.id}`);
    }
    const inode = await mt.mustInode(entry.inodeId);
    if (inode.type === 'symlink' && (pending.length > 0 || followLast)) {
      if (++linksFollowed > MAX_SYMLINKS_PER_PATH) throw new FlyerError('META_SYMLINK_LOOP', `more than ${MAX_SYMLINKS_PER_PATH} links`);
      const targetParts = splitLinkTarget(inode.target);
      pending.push(...[...targetParts].reverse());
      if (inode.target.startsWith('/')) current = { inode: await mt.directory(ROOT_INODE_ID) };
      else current = { inode: dir, ...(dir.id === ROOT_INODE_ID ? {} : { parent: await mt.directory(dir.parentId), name: dir.name }) };
      continue;
    }
    current = { inode, parent: dir, name: part };
  }
  return current;
}

export async function resolvePath(mt: MetaTxn, path: string, followLast = true): Promise<Resolved> {
  return resolveParts(mt, splitPath(path), followLast);
}

/** Resolves the directory that will hold a new or removed entry; every link on the way is followed. */
export async function resolveDirectory(mt: MetaTxn, parts: readonly string[]): Promise<DirectoryInode> {
  const { inode } = await resolveParts(mt, parts, true);
  if (inode.type !== 'directory') throw new FlyerError('META_NOT_DIRECTORY', `'/${parts.join('/')}' is a ${inode.type}`);
  return inode;
}

function splitLinkTarget(target: string): string[] {
  return target.split('/').filter((part) => part !== '' && part !== '.');
}

/** The absolute path of a directory, by walking parent links (3FS getRealPath). */
export async function directoryPath(mt: MetaTxn, dir: DirectoryInode): Promise<string> {
  const names: string[] = [];
  let at = dir;
  for (let depth = 0; at.id !== ROOT_INODE_ID; depth++) {
    if (depth > MAX_DIRECTORY_DEPTH * 4) throw new FlyerError('ASSERTION', `directory ${dir.id}: parent links loop`);
    names.push(at.name);
    at = await mt.directory(at.parentId);
  }
  return `/${names.reverse().join('/')}`;
}

/** True if `ancestorId` is `dir` or one of its ancestors: the rename loop check. */
export async function isAncestorOrSelf(mt: MetaTxn, ancestorId: number, dir: DirectoryInode): Promise<boolean> {
  let at = dir;
  for (let depth = 0; ; depth++) {
    if (at.id === ancestorId) return true;
    if (at.id === ROOT_INODE_ID) return false;
    if (depth > MAX_DIRECTORY_DEPTH * 4) throw new FlyerError('ASSERTION', `directory ${dir.id}: parent links loop`);
    at = await mt.directory(at.parentId);
  }
}

/** How deep a directory sits below the root (the root is 0). */
export async function depthOf(mt: MetaTxn, dir: DirectoryInode): Promise<number> {
  let depth = 0;
  for (let at = dir; at.id !== ROOT_INODE_ID; depth++) at = await mt.directory(at.parentId);
  return depth;
}
