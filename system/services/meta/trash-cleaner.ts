import { inTxn, type MetaContext } from './context.ts';
import { unlinkInode } from './ops-remove.ts';
import { TRASH_DIR_NAME, trashExpiry } from './trash.ts';
import { ROOT_INODE_ID } from './types.ts';

/**
 * Removes expired entries from /trash/<uid>/ (3FS's trash_cleaner): each goes the way of a normal
 * remove, into the GC queue. Returns how many expired entries were removed.
 */
export async function cleanTrash(ctx: MetaContext, batch = 256): Promise<number> {
  return inTxn(ctx, async (mt) => {
    const trashEntry = await mt.entry(ROOT_INODE_ID, TRASH_DIR_NAME);
    if (!trashEntry || trashEntry.type !== 'directory') return 0;
    let removed = 0;
    for (const userDir of await mt.entries(trashEntry.inodeId, batch)) {
      if (userDir.type !== 'directory') continue;
      for (const entry of await mt.entries(userDir.inodeId, batch)) {
        const expiresNs = trashExpiry(entry.name);
        if (expiresNs === undefined || expiresNs > mt.nowNs) continue;
        const inode = await mt.inode(entry.inodeId);
        mt.clearEntry(userDir.inodeId, entry.name);
        if (inode) await unlinkInode(mt, inode, `/${TRASH_DIR_NAME}/${userDir.name}/${entry.name}`);
        removed++;
      }
    }
    return removed;
  });
}
