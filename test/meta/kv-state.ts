import type { KvStore } from '../../system/env/kv.ts';
import { decodeValue } from '../../system/services/meta/schema.ts';
import { ROOT_INODE_ID, type DirEntry, type FileSession, type GcEntry, type Inode } from '../../system/services/meta/types.ts';
import { compareBytes, type InodeView } from './reference-fs.ts';

/**
 * Everything the metadata service keeps in the KV, decoded: what the invariant checks and the tree
 * comparison read. `raw` is every key and value in hex, for "nothing changed" comparisons and fingerprints.
 */
export interface MetaSnapshot {
  readonly inodes: ReadonlyMap<number, Inode>;
  readonly entries: readonly DirEntry[];
  /** Entries by parent inode, in key (byte) order. */
  readonly children: ReadonlyMap<number, readonly DirEntry[]>;
  readonly gcQueue: readonly GcEntry[];
  readonly sessions: readonly FileSession[];
  readonly raw: ReadonlyArray<readonly [key: string, value: string]>;
}

const ascii = new TextDecoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export async function snapshotKv(kv: KvStore): Promise<MetaSnapshot> {
  const pairs = await kv.transact((txn) => txn.getRange(new Uint8Array([0]), new Uint8Array([0xff, 0xff]), { snapshot: true }));
  const inodes = new Map<number, Inode>();
  const entries: DirEntry[] = [];
  const children = new Map<number, DirEntry[]>();
  const gcQueue: GcEntry[] = [];
  const sessions: FileSession[] = [];
  for (const { key, value } of pairs) {
    const prefix = ascii.decode(key.subarray(0, 4));
    if (prefix === 'INOD') {
      const inode = decodeValue<Inode>(value);
      inodes.set(inode.id, inode);
    } else if (prefix === 'DENT') {
      const entry = decodeValue<DirEntry>(value);
      entries.push(entry);
      children.set(entry.parentId, [...(children.get(entry.parentId) ?? []), entry]);
    } else if (prefix === 'GCQU') {
      gcQueue.push(decodeValue<GcEntry>(value));
    } else if (prefix === 'INOS') {
      sessions.push(decodeValue<FileSession>(value));
    }
  }
  return { inodes, entries, children, gcQueue, sessions, raw: pairs.map((p) => [hex(p.key), hex(p.value)] as const) };
}

/**
 * The metadata invariants; returns what is violated (empty when all hold). With `gcDone` (GC has run to
 * the end with no delay) nothing removed may remain: no queue, no unreachable or unlinked inode.
 */
export function checkInvariants(snap: MetaSnapshot, options: { readonly gcDone: boolean }): string[] {
  const bad: string[] = [];
  const root = snap.inodes.get(ROOT_INODE_ID);
  if (!root || root.type !== 'directory' || root.nlink !== 1) bad.push(`root missing or malformed: ${JSON.stringify(root)}`);
  const linksTo = new Map<number, number>();
  for (const entry of snap.entries) {
    const where = `entry ${entry.parentId}/${entry.name}`;
    const parent = snap.inodes.get(entry.parentId);
    if (!parent || parent.type !== 'directory') bad.push(`${where}: parent is ${parent?.type ?? 'missing'}`);
    const inode = snap.inodes.get(entry.inodeId);
    if (!inode) {
      bad.push(`${where}: inode ${entry.inodeId} missing`);
      continue;
    }
    linksTo.set(inode.id, (linksTo.get(inode.id) ?? 0) + 1);
    if (inode.type !== entry.type) bad.push(`${where}: entry says ${entry.type}, inode is ${inode.type}`);
    if (inode.nlink <= 0) bad.push(`${where}: inode ${inode.id} has nlink ${inode.nlink}`);
    if (inode.type === 'directory' && (inode.parentId !== entry.parentId || inode.name !== entry.name)) {
      bad.push(`${where}: directory ${inode.id} thinks it is ${inode.parentId}/${inode.name}`);
    }
  }
  const queued = new Set<number>();
  for (const gc of snap.gcQueue) {
    queued.add(gc.inodeId);
    const inode = snap.inodes.get(gc.inodeId);
    if (!inode || inode.nlink !== 0 || inode.type !== gc.type) bad.push(`gc entry ${gc.inodeId} (${gc.path}): inode ${JSON.stringify(inode && { nlink: inode.nlink, type: inode.type })}`);
  }
  for (const inode of snap.inodes.values()) {
    if (inode.id === ROOT_INODE_ID) continue;
    const links = linksTo.get(inode.id) ?? 0;
    const expected = inode.type === 'directory' ? Math.min(links, 1) : links;
    if (inode.type === 'directory' && links > 1) bad.push(`directory ${inode.id} has ${links} entries`);
    if (inode.nlink !== expected) bad.push(`inode ${inode.id} (${inode.type}) nlink ${inode.nlink} but ${links} entries`);
    if (inode.nlink === 0 && !queued.has(inode.id)) bad.push(`inode ${inode.id} unlinked but not queued for GC`);
  }
  const fromRoot = reachable(snap, [ROOT_INODE_ID]);
  const fromAll = reachable(snap, [ROOT_INODE_ID, ...queued]);
  for (const id of snap.inodes.keys()) {
    if (!fromAll.has(id)) bad.push(`inode ${id} is an orphan (neither reachable nor queued for GC)`);
    else if (options.gcDone && !fromRoot.has(id)) bad.push(`inode ${id} of a removed file or directory survived GC`);
  }
  if (options.gcDone && snap.gcQueue.length > 0) bad.push(`${snap.gcQueue.length} GC entries left after GC ran to the end`);
  for (const session of snap.sessions) if (!snap.inodes.has(session.inodeId)) bad.push(`session ${session.sessionId} of missing inode ${session.inodeId}`);
  return bad;
}

function reachable(snap: MetaSnapshot, starts: readonly number[]): Set<number> {
  const seen = new Set<number>(starts.filter((id) => snap.inodes.has(id)));
  const todo = [...seen];
  while (todo.length > 0) {
    for (const entry of snap.children.get(todo.pop()!) ?? []) {
      if (seen.has(entry.inodeId)) continue;
      seen.add(entry.inodeId);
      todo.push(entry.inodeId);
    }
  }
  return seen;
}

/** A namespace as the tree renderer sees it: the model and the KV both provide one. */
export interface NamespaceView {
  view(id: number): InodeView | undefined;
  /** Children of a directory (any order), undefined for a non-directory. */
  entries(id: number): ReadonlyArray<readonly [string, number]> | undefined;
}

export function inodeView(inode: Inode): InodeView {
  const base = { id: inode.id, type: inode.type, nlink: inode.nlink, perm: inode.perm, uid: inode.uid, gid: inode.gid };
  if (inode.type === 'file') return { ...base, lengthBytes: inode.lengthBytes };
  if (inode.type === 'symlink') return { ...base, target: inode.target };
  return base;
}

export function kvNamespace(snap: MetaSnapshot): NamespaceView {
  return {
    view: (id) => {
      const inode = snap.inodes.get(id);
      return inode && inodeView(inode);
    },
    entries: (id) => (snap.inodes.get(id)?.type === 'directory' ? (snap.children.get(id) ?? []).map((e) => [e.name, e.inodeId] as const) : undefined),
  };
}

/**
 * The tree below `startId`, one line per entry in name order, ids replaced by the path where the inode was
 * first met: two namespaces render the same exactly when they hold the same tree with the same hard links.
 */
export function renderTree(ns: NamespaceView, startId: number, startPath = ''): string[] {
  const lines: string[] = [];
  const firstPath = new Map<number, string>();
  const visit = (id: number, path: string): void => {
    for (const [name, childId] of [...(ns.entries(id) ?? [])].sort(([a], [b]) => compareBytes(a, b))) {
      const childPath = `${path}/${name}`;
      const v = ns.view(childId);
      const seen = firstPath.get(childId);
      if (seen === undefined) firstPath.set(childId, childPath);
      const detail = !v ? 'MISSING' : `${v.type} n${v.nlink} p${v.perm.toString(8)} u${v.uid}:${v.gid}${v.lengthBytes !== undefined ? ` len${v.lengthBytes}` : ''}${v.target !== undefined ? ` ->${v.target}` : ''}`;
      lines.push(`${childPath} ${detail}${seen !== undefined ? ` =${seen}` : ''}`);
      if (v?.type === 'directory' && seen === undefined) visit(childId, childPath);
    }
  };
  visit(startId, startPath);
  return lines;
}
