import { FlyerError } from '../../env/errors.ts';
import { inTxn, type MetaContext } from './context.ts';
import { once } from './idempotency.ts';
import type { RemoveRequest, RenameRequest } from './messages.ts';
import type { MetaTxn } from './meta-txn.ts';
import { splitParent } from './names.ts';
import { isAncestorOrSelf, resolveDirectory } from './path-resolver.ts';
import { trashDirectory, trashName } from './trash.ts';
import { ROOT_INODE_ID, type DirectoryInode, type DirEntry, type Inode } from './types.ts';

/**
 * unlink / rmdir / rm -r (3fs-notes §1.2 Remove). The entry goes and the inode loses a link; at zero
 * links it is queued for GC, which removes a file's chunks after a delay (and not while it is open for
 * write). A recursive remove is one small transaction whatever the tree's size: the directory itself is
 * queued, and GC empties it later. With `trashExpireNs` the entry moves into /trash/<uid> instead and the
 * trash cleaner removes it when it expires.
 */
export async function remove(ctx: MetaContext, request: RemoveRequest): Promise<void> {
  const { parentParts, name } = splitParent(request.path);
  const expireNs = request.trashExpireNs;
  if (expireNs !== undefined && (!Number.isSafeInteger(expireNs) || expireNs < 0)) throw new FlyerError('INVALID_ARGUMENT', `bad trash expiry ${String(expireNs)}`);
  const trashIds = request.trashExpireNs === undefined ? [] : [await ctx.inodeIds.allocate(), await ctx.inodeIds.allocate()];
  await inTxn(ctx, (mt) => once(mt, request.requestId, async () => {
    const parent = await resolveDirectory(mt, parentParts);
    const entry = await mt.entry(parent.id, name);
    if (!entry) throw new FlyerError('META_NOT_FOUND', request.path);
    const inode = await mt.mustInode(entry.inodeId);
    if (request.expect === 'directory' && inode.type !== 'directory') throw new FlyerError('META_NOT_DIRECTORY', request.path);
    if (request.expect === 'file' && inode.type === 'directory') throw new FlyerError('META_IS_DIRECTORY', request.path);
    if (inode.type === 'directory' && !request.recursive && !(await mt.isEmptyDirectory(inode.id))) {
      throw new FlyerError('META_NOT_EMPTY', request.path);
    }
    mt.clearEntry(parent.id, name);
    if (request.trashExpireNs !== undefined) {
      const trash = await trashDirectory(mt, request.caller, trashIds, parent.layout);
      const movedName = trashName(name, mt.nowNs + request.trashExpireNs, inode.id);
      linkInto(mt, trash, movedName, inode);
      return true;
    }
    await unlinkInode(mt, inode, request.path);
    return true;
  }));
}

/** rename(2), atomically in one transaction, with the loop check and POSIX's rules for an existing target. */
export async function rename(ctx: MetaContext, request: RenameRequest): Promise<void> {
  const src = splitParent(request.srcPath);
  const dst = splitParent(request.dstPath);
  await inTxn(ctx, (mt) => once(mt, request.requestId, async () => {
    const srcParent = await resolveDirectory(mt, src.parentParts);
    const srcEntry = await mt.entry(srcParent.id, src.name);
    if (!srcEntry) throw new FlyerError('META_NOT_FOUND', request.srcPath);
    const inode = await mt.mustInode(srcEntry.inodeId);
    const dstParent = await resolveDirectory(mt, dst.parentParts);
    if (inode.type === 'directory' && (await isAncestorOrSelf(mt, inode.id, dstParent))) {
      throw new FlyerError('META_RENAME_INTO_SELF', `${request.srcPath} -> ${request.dstPath}`);
    }
    const dstEntry = await mt.entry(dstParent.id, dst.name);
    if (dstEntry) {
      if (dstEntry.inodeId === inode.id) return true; // Two names of one inode: POSIX says do nothing.
      const replaced = await mt.mustInode(dstEntry.inodeId);
      if (inode.type === 'directory' && replaced.type !== 'directory') throw new FlyerError('META_NOT_DIRECTORY', request.dstPath);
      if (inode.type !== 'directory' && replaced.type === 'directory') throw new FlyerError('META_IS_DIRECTORY', request.dstPath);
      if (replaced.type === 'directory' && !(await mt.isEmptyDirectory(replaced.id))) throw new FlyerError('META_NOT_EMPTY', request.dstPath);
      mt.clearEntry(dstParent.id, dst.name);
      await unlinkInode(mt, replaced, request.dstPath);
    }
    mt.clearEntry(srcParent.id, src.name);
    linkInto(mt, dstParent, dst.name, inode);
    return true;
  }));
}

/** Puts `inode` under `dir` as `name`; a directory also learns its new parent and name. */
function linkInto(mt: MetaTxn, dir: DirectoryInode, name: string, inode: Inode): void {
  const entry: DirEntry = { parentId: dir.id, name, inodeId: inode.id, type: inode.type };
  mt.putEntry(entry);
  mt.putInode(inode.type === 'directory' ? { ...inode, parentId: dir.id, name, ctimeNs: mt.nowNs } : { ...inode, ctimeNs: mt.nowNs });
}

/**
 * Drops one link of an inode whose entry was just cleared. The last link queues it for GC (an empty
 * directory or a symlink has nothing in storage, but goes the same way so GC stays the one place that
 * deletes inodes).
 */
export async function unlinkInode(mt: MetaTxn, inode: Inode, path: string): Promise<void> {
  if (inode.id === ROOT_INODE_ID) throw new FlyerError('META_BUSY', 'the root cannot be removed');
  const nlink = inode.type === 'directory' ? 0 : inode.nlink - 1;
  mt.putInode({ ...inode, nlink, ctimeNs: mt.nowNs });
  if (nlink === 0) mt.enqueueGc({ inodeId: inode.id, type: inode.type, removedNs: mt.nowNs, path });
}

