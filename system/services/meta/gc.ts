import type { Env } from '../../env/types.ts';
import { inTxn, type MetaContext } from './context.ts';
import { decodeValue, keys } from './schema.ts';
import type { GcEntry } from './types.ts';

export interface GcOptions {
  /** A removed file's chunks stay this long (3FS gc_file_delay: 5 min). */
  readonly delayNs: number;
  /** Entries looked at per scan. */
  readonly batch: number;
  /** Children of a removed directory unlinked per transaction (3FS: 32). */
  readonly directoryBatch: number;
  /** Whether this server collects the inode (rendezvous owner among active servers). */
  readonly owns: (inodeId: number) => boolean;
}

export interface GcRound {
  readonly collected: number;
  /** Files skipped because a write session is still open. */
  readonly busy: number;
  readonly failed: number;
}

/**
 * One GC round (3fs-notes §1.2 Remove and GC): takes due entries off the queue in removal order. A file
 * open for write waits (its entry moves to the back of the queue); otherwise storage removes its chunks
 * and then the inode and entry go in one transaction, so a crash in between only repeats the removal
 * (which is idempotent). A removed directory is emptied a batch of entries at a time, each child losing
 * a link and joining the queue when it has none left; the directory itself goes once it is empty.
 */
export async function collectGarbage(env: Env, ctx: MetaContext, options: GcOptions): Promise<GcRound> {
  const nowNs = ctx.wallNs();
  const due = await ctx.kv.transact(async (txn) => {
    const pairs = await txn.getRange(keys.gcQueue(), keys.gcDueBefore(Math.max(0, nowNs - options.delayNs) + 1000), { limit: options.batch, snapshot: true });
    return pairs.map((pair) => decodeValue<GcEntry>(pair.value));
  });
  let collected = 0;
  let busy = 0;
  let failed = 0;
  for (const entry of due) {
    if (!options.owns(entry.inodeId)) continue;
    try {
      const outcome = entry.type === 'directory' ? await emptyDirectory(ctx, entry, options.directoryBatch) : await collectInode(ctx, entry);
      if (outcome === 'busy') busy++;
      if (outcome === 'done') collected++;
    } catch (error) {
      failed++;
      env.log.warn('gc: will retry', { inodeId: entry.inodeId, error: (error as Error).message });
    }
  }
  if (collected > 0) env.metrics.counter('meta_gc_collected').add(collected);
  return { collected, busy, failed };
}

async function collectInode(ctx: MetaContext, entry: GcEntry): Promise<'done' | 'busy' | 'gone'> {
  const inode = await inTxn(ctx, async (mt) => {
    const inode = await mt.inode(entry.inodeId);
    if (!inode || inode.nlink > 0) {
      // Already collected by an earlier attempt whose reply was lost, or relinked: just drop the entry.
      mt.txn.clear(keys.gcEntry(entry.removedNs, entry.inodeId));
      return undefined;
    }
    if ((await mt.sessions(inode.id)).length > 0) {
      mt.txn.clear(keys.gcEntry(entry.removedNs, entry.inodeId));
      mt.enqueueGc({ ...entry, removedNs: Math.max(mt.nowNs, entry.removedNs + 1000) });
      return 'busy' as const;
    }
    return inode;
  });
  if (inode === undefined) return 'gone';
  if (inode === 'busy') return 'busy';
  if (inode.type === 'file' && ctx.chunks) await ctx.chunks.removeAll(inode);
  await inTxn(ctx, async (mt) => {
    // A session opened meanwhile (by inode id) keeps the inode; its chunks are gone, as its length says 0.
    mt.clearInode(inode.id);
    mt.txn.clear(keys.gcEntry(entry.removedNs, entry.inodeId));
  });
  return 'done';
}

async function emptyDirectory(ctx: MetaContext, entry: GcEntry, batch: number): Promise<'done' | 'gone'> {
  for (;;) {
    const finished = await inTxn(ctx, async (mt) => {
      const dir = await mt.inode(entry.inodeId);
      if (!dir) {
        mt.txn.clear(keys.gcEntry(entry.removedNs, entry.inodeId));
        return true;
      }
      const children = await mt.entries(dir.id, batch);
      for (const child of children) {
        mt.clearEntry(dir.id, child.name);
        const inode = await mt.inode(child.inodeId);
        if (!inode) continue;
        const nlink = inode.type === 'directory' ? 0 : inode.nlink - 1;
        mt.putInode({ ...inode, nlink });
        if (nlink === 0) mt.enqueueGc({ inodeId: inode.id, type: inode.type, removedNs: entry.removedNs, path: `${entry.path}/${child.name}` });
      }
      if (children.length < batch) {
        mt.clearInode(dir.id);
        mt.txn.clear(keys.gcEntry(entry.removedNs, entry.inodeId));
        return true;
      }
      return false;
    });
    if (finished) return 'done';
  }
}
