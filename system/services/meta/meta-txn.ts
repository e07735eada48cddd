import { assert } from '../../env/assert.ts';
import { FlyerError } from '../../env/errors.ts';
import type { KvTransaction } from '../../env/kv.ts';
import { decodeValue, encodeValue, keys, nameOfDirEntryKey, prefixEnd } from './schema.ts';
import type { DirectoryInode, DirEntry, FileSession, GcEntry, Inode, InodeId } from './types.ts';

/**
 * Typed access to the metadata tables inside one KV transaction. Reads default to conflict-checked
 * (serializable); read-only operations pass `snapshot` (3FS does snapshot reads for stat and list).
 */
export class MetaTxn {
  constructor(
    readonly txn: KvTransaction,
    /** Wall-clock time stamped on whatever this transaction changes. */
    readonly nowNs: number,
    readonly snapshot = false,
  ) {}

  async inode(id: InodeId): Promise<Inode | undefined> {
    const bytes = await this.txn.get(keys.inode(id), { snapshot: this.snapshot });
    return bytes ? decodeValue<Inode>(bytes) : undefined;
  }

  async mustInode(id: InodeId): Promise<Inode> {
    const inode = await this.inode(id);
    if (!inode) throw new FlyerError('META_NOT_FOUND', `inode ${id}`);
    return inode;
  }

  async directory(id: InodeId): Promise<DirectoryInode> {
    const inode = await this.mustInode(id);
    if (inode.type !== 'directory') throw new FlyerError('META_NOT_DIRECTORY', `inode ${id} is a ${inode.type}`);
    return inode;
  }

  putInode(inode: Inode): void {
    // The message only on failure: this runs on every inode write.
    if (inode.nlink < 0) assert(false, `inode ${inode.id} nlink ${inode.nlink}`);
    this.txn.set(keys.inode(inode.id), encodeValue(inode));
  }

  clearInode(id: InodeId): void {
    this.txn.clear(keys.inode(id));
  }

  async entry(parentId: InodeId, name: string): Promise<DirEntry | undefined> {
    const bytes = await this.txn.get(keys.dirEntry(parentId, name), { snapshot: this.snapshot });
    return bytes ? decodeValue<DirEntry>(bytes) : undefined;
  }

  putEntry(entry: DirEntry): void {
    this.txn.set(keys.dirEntry(entry.parentId, entry.name), encodeValue(entry));
  }

  clearEntry(parentId: InodeId, name: string): void {
    this.txn.clear(keys.dirEntry(parentId, name));
  }

  /** Entries of a directory in name (byte) order, starting after `afterName`. */
  async entries(parentId: InodeId, limit: number, afterName?: string): Promise<DirEntry[]> {
    const prefix = keys.dirEntries(parentId);
    const begin = afterName === undefined ? prefix : nextKey(keys.dirEntry(parentId, afterName));
    const pairs = await this.txn.getRange(begin, prefixEnd(prefix), { limit, snapshot: this.snapshot });
    return pairs.map((pair) => {
      const entry = decodeValue<DirEntry>(pair.value);
      assert(entry.name === nameOfDirEntryKey(pair.key), 'a directory entry is stored under its own name');
      return entry;
    });
  }

  async isEmptyDirectory(id: InodeId): Promise<boolean> {
    return (await this.entries(id, 1)).length === 0;
  }

  async sessions(inodeId: InodeId): Promise<FileSession[]> {
    const prefix = keys.sessions(inodeId);
    const pairs = await this.txn.getRange(prefix, prefixEnd(prefix), { snapshot: this.snapshot });
    return pairs.map((pair) => decodeValue<FileSession>(pair.value));
  }

  async session(inodeId: InodeId, sessionId: string): Promise<FileSession | undefined> {
    const bytes = await this.txn.get(keys.session(inodeId, sessionId), { snapshot: this.snapshot });
    return bytes ? decodeValue<FileSession>(bytes) : undefined;
  }

  putSession(session: FileSession): void {
    this.txn.set(keys.session(session.inodeId, session.sessionId), encodeValue(session));
  }

  clearSession(inodeId: InodeId, sessionId: string): void {
    this.txn.clear(keys.session(inodeId, sessionId));
  }

  /** Queues an unlinked inode for garbage collection. */
  enqueueGc(entry: GcEntry): void {
    this.txn.set(keys.gcEntry(entry.removedNs, entry.inodeId), encodeValue(entry));
  }
}

/** The first key after `key` (append a zero byte). */
function nextKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}
