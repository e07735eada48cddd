/**
 * The metadata invariants a crash must never break, checked two ways: on the raw tables of a meta
 * server's KV (while the server is down: what a restart will replay), and through the API on a live
 * server.
 */
import type { KvStore } from '../../system/env/kv.ts';
import type { MetaClient } from '../../system/services/meta/meta-client.ts';
import { decodeValue, prefixEnd } from '../../system/services/meta/schema.ts';
import { ROOT_INODE_ID, type DirEntry, type GcEntry, type Inode } from '../../system/services/meta/types.ts';

const encoder = new TextEncoder();

export interface RawNamespace {
  readonly inodes: ReadonlyMap<number, Inode>;
  readonly entries: readonly DirEntry[];
  readonly gc: readonly GcEntry[];
}

export async function readRawNamespace(kv: KvStore): Promise<RawNamespace> {
  return kv.transact(async (txn) => {
    const scan = async <T>(prefix: string): Promise<T[]> => {
      const begin = encoder.encode(prefix);
      return (await txn.getRange(begin, prefixEnd(begin), { snapshot: true })).map((pair) => decodeValue<T>(pair.value));
    };
    const inodes = new Map((await scan<Inode>('INOD')).map((inode) => [inode.id, inode]));
    return { inodes, entries: await scan<DirEntry>('DENT'), gc: await scan<GcEntry>('GCQU') };
  });
}

/**
 * Every entry names an existing, linked inode of its type in an existing directory; a directory's own
 * parent and name match its one entry; every linked inode but the root is named by exactly nlink
 * entries (no orphan from half a create, no second name from half a rename); every unlinked inode
 * waits in the GC queue. Returns the violations (empty when all hold).
 */
export function rawViolations(ns: RawNamespace): string[] {
  const problems: string[] = [];
  const refs = new Map<number, number>();
  for (const entry of ns.entries) {
    const where = `entry ${entry.parentId}/${entry.name}`;
    const parent = ns.inodes.get(entry.parentId);
    if (!parent || parent.type !== 'directory') problems.push(`${where}: parent is ${parent ? parent.type : 'missing'}`);
    const inode = ns.inodes.get(entry.inodeId);
    if (!inode) {
      problems.push(`${where}: inode ${entry.inodeId} missing`);
      continue;
    }
    refs.set(inode.id, (refs.get(inode.id) ?? 0) + 1);
    if (inode.type !== entry.type) problems.push(`${where}: entry says ${entry.type}, inode ${inode.id} is a ${inode.type}`);
    if (inode.nlink === 0) problems.push(`${where}: inode ${inode.id} has nlink 0`);
    if (inode.type === 'directory' && (inode.parentId !== entry.parentId || inode.name !== entry.name)) {
      problems.push(`${where}: directory ${inode.id} says it is ${inode.parentId}/${inode.name}`);
    }
  }
  const queued = new Set(ns.gc.map((g) => g.inodeId));
  for (const inode of ns.inodes.values()) {
    if (inode.id === ROOT_INODE_ID) continue;
    const named = refs.get(inode.id) ?? 0;
    if (inode.nlink > 0 && named !== inode.nlink) problems.push(`inode ${inode.id} (${inode.type}) has nlink ${inode.nlink} but ${named} entries`);
    if (inode.nlink === 0 && !queued.has(inode.id)) problems.push(`inode ${inode.id} is unlinked but not queued for GC`);
  }
  for (const g of ns.gc) {
    const inode = ns.inodes.get(g.inodeId);
    if (inode && inode.nlink > 0) problems.push(`GC entry for inode ${g.inodeId}, which has nlink ${inode.nlink}`);
  }
  if (!ns.inodes.has(ROOT_INODE_ID)) problems.push('the root is missing');
  return problems;
}

/** The names under a directory, from the raw tables (resolving the path component by component). */
export function rawList(ns: RawNamespace, path: string): Map<string, DirEntry['type']> | undefined {
  let dirId = ROOT_INODE_ID;
  for (const part of path.split('/').filter(Boolean)) {
    const entry = ns.entries.find((e) => e.parentId === dirId && e.name === part);
    if (!entry || entry.type !== 'directory') return undefined;
    dirId = entry.inodeId;
  }
  return new Map(ns.entries.filter((e) => e.parentId === dirId).map((e) => [e.name, e.type]));
}

/** The same invariants through the API: walks the tree from `root`, stat-ing every entry in batches. */
export async function apiViolations(meta: MetaClient, root = '/'): Promise<{ problems: string[]; entries: number }> {
  const problems: string[] = [];
  let entries = 0;
  const walk = async (path: string, dirId: number): Promise<void> => {
    const list = await meta.listAll(path);
    entries += list.length;
    const inodes = list.length > 0 ? await meta.batchStat(list.map((e) => e.inodeId)) : [];
    for (const [i, entry] of list.entries()) {
      const inode = inodes[i];
      const childPath = path === '/' ? `/${entry.name}` : `${path}/${entry.name}`;
      if (!inode) {
        problems.push(`${childPath}: inode ${entry.inodeId} missing`);
        continue;
      }
      if (entry.parentId !== dirId) problems.push(`${childPath}: entry parent ${entry.parentId}, directory ${dirId}`);
      if (inode.type !== entry.type) problems.push(`${childPath}: entry ${entry.type}, inode ${inode.type}`);
      if (inode.type === 'directory') {
        if (inode.parentId !== dirId || inode.name !== entry.name) problems.push(`${childPath}: directory says ${inode.parentId}/${inode.name}`);
        await walk(childPath, inode.id);
      }
    }
  };
  const top = await meta.stat(root);
  await walk(root, top.id);
  return { problems, entries };
}
