import type { MetaTxn } from './meta-txn.ts';
import { ROOT_INODE_ID, type Caller, type DirectoryInode, type DirectoryLayout } from './types.ts';

/**
 * The trash (3fs-notes §1.2: `/trash/<user>` with expiring entries). A removed entry moved here is named
 * `<name>.<inode>.expire-<wall ns>`; the trash cleaner removes it for good once that time has passed.
 * The original name is cut so the whole stays within NAME_MAX.
 */
export const TRASH_DIR_NAME = 'trash';
const SUFFIX = /\.(\d+)\.expire-(\d+)$/;

export function trashName(name: string, expireAtNs: number, inodeId: number): string {
  const suffix = `.${inodeId}.expire-${expireAtNs}`;
  return `${name.slice(0, 200)}${suffix}`;
}

/** When a trash entry expires, or undefined for names not made by trashName. */
export function trashExpiry(name: string): number | undefined {
  const match = SUFFIX.exec(name);
  return match ? Number(match[2]) : undefined;
}

/** /trash/<uid>, created on first use with the two ids reserved for it. */
export async function trashDirectory(mt: MetaTxn, caller: Caller, ids: readonly number[], layout: DirectoryLayout): Promise<DirectoryInode> {
  const root = await mt.directory(ROOT_INODE_ID);
  const trash = await ensureDirectory(mt, root, TRASH_DIR_NAME, ids[0]!, 0o1777, caller, layout);
  return ensureDirectory(mt, trash, String(caller.uid), ids[1]!, 0o700, caller, layout);
}

async function ensureDirectory(mt: MetaTxn, parent: DirectoryInode, name: string, id: number, perm: number, caller: Caller, layout: DirectoryLayout): Promise<DirectoryInode> {
  const entry = await mt.entry(parent.id, name);
  if (entry) return mt.directory(entry.inodeId);
  const dir: DirectoryInode = {
    id, type: 'directory', uid: caller.uid, gid: caller.gid, perm, nlink: 1, atimeNs: mt.nowNs, mtimeNs: mt.nowNs, ctimeNs: mt.nowNs,
    parentId: parent.id, name, layout,
  };
  mt.putInode(dir);
  mt.putEntry({ parentId: parent.id, name, inodeId: id, type: 'directory' });
  return dir;
}
