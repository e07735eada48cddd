import { isFlyerError } from '../../env/errors.ts';
import type { Inode } from '../../services/meta/types.ts';
import type { FsSession } from './fs-session.ts';
import { listRow, type ListRow } from './fs-format.ts';
import { baseName, flyerPath, joinFlyer, naming, required } from './fs-paths.ts';

/** batchStat takes at most this many ids per call (the meta service's BATCH_STAT_MAX). */
const BATCH_STAT_IDS = 4096;

/**
 * `ls`: a directory's entries in name order (with -l, each entry's inode by batchStat: one call per
 * 4096 entries rather than one stat each), or the path itself when it is not a directory.
 */
export async function listPath(session: FsSession, text: string | undefined, long: boolean): Promise<ListRow[]> {
  const path = flyerPath(text ?? '/', 'ls path');
  const inode = await naming(path, () => session.fs.stat(path));
  if (inode.type !== 'directory') return [long ? listRow({ name: baseName(path) || path }, inode) : { name: baseName(path), type: inode.type, inodeId: inode.id }];
  const entries = await naming(path, () => session.fs.readdir(path));
  if (!long) return entries.map((e) => ({ name: e.name, type: e.type, inodeId: e.inodeId }));
  const rows: ListRow[] = [];
  for (let at = 0; at < entries.length; at += BATCH_STAT_IDS) {
    const batch = entries.slice(at, at + BATCH_STAT_IDS);
    const inodes = await session.meta.batchStat(batch.map((e) => e.inodeId));
    batch.forEach((entry, i) => {
      const child = inodes[i];
      // Removed between the listing and the stat: gone, as ls would find it.
      if (child) rows.push(listRow(entry, child));
    });
  }
  return rows;
}

export async function statPath(session: FsSession, text: string | undefined): Promise<{ path: string; inode: Inode }> {
  const path = flyerPath(text, 'stat path');
  return { path, inode: await naming(path, () => session.fs.lstat(path)) };
}

export async function makeDirectories(session: FsSession, texts: readonly string[], parents: boolean): Promise<string[]> {
  required(texts[0], 'mkdir path');
  const made: string[] = [];
  for (const text of texts) {
    const path = flyerPath(text, 'mkdir path');
    await naming(path, () => session.fs.mkdir(path, { recursive: parents }));
    made.push(path);
  }
  return made;
}

/** `rm`: files and symlinks; directories only with -r (the whole tree goes in one small transaction). */
export async function removePaths(session: FsSession, texts: readonly string[], recursive: boolean): Promise<string[]> {
  required(texts[0], 'rm path');
  const removed: string[] = [];
  for (const text of texts) {
    const path = flyerPath(text, 'rm path');
    await naming(path, () => (recursive ? session.fs.remove(path, { recursive: true }) : session.fs.unlink(path)));
    removed.push(path);
  }
  return removed;
}

export async function removeDirectories(session: FsSession, texts: readonly string[]): Promise<string[]> {
  required(texts[0], 'rmdir path');
  const removed: string[] = [];
  for (const text of texts) {
    const path = flyerPath(text, 'rmdir path');
    await naming(path, () => session.fs.rmdir(path));
    removed.push(path);
  }
  return removed;
}

/** `mv`: one atomic rename; an existing directory destination receives the source under its own name, as mv(1) does. */
export async function move(session: FsSession, srcText: string | undefined, dstText: string | undefined): Promise<{ from: string; to: string }> {
  const from = flyerPath(srcText, 'mv source');
  let to = flyerPath(dstText, 'mv destination');
  const target = await session.fs.stat(to).catch((error: unknown) => {
    if (isFlyerError(error, 'META_NOT_FOUND')) return undefined;
    throw error;
  });
  if (target?.type === 'directory') to = joinFlyer(to, baseName(from));
  await naming(`${from} -> ${to}`, () => session.fs.rename(from, to));
  return { from, to };
}
