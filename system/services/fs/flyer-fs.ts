import { FlyerError } from '../../env/errors.ts';
import { isPayload, realPayload, type Payload } from '../../env/payload.ts';
import type { Env } from '../../env/types.ts';
import type { RoutingProvider } from '../client/routing-view.ts';
import type { StorageClient } from '../client/storage-client.ts';
import type { MetaClient } from '../meta/meta-client.ts';
import type { DirEntry, DirectoryLayout, FileInode, Inode, StatFs } from '../meta/types.ts';
import { readRange, readRangeInto, writeRange } from './file-io.ts';

export interface OpenFlags {
  readonly read?: boolean;
  readonly write?: boolean;
  readonly create?: boolean;
  /** With create: fail if the file exists (O_EXCL). */
  readonly exclusive?: boolean;
  /** O_TRUNC. */
  readonly truncate?: boolean;
  /** O_APPEND: every write goes to the current end. */
  readonly append?: boolean;
  readonly perm?: number;
}

/**
 * The file system API over the metadata and storage services (what 3FS's FUSE client and USRBIO give),
 * the same in simulation and for real: paths go to meta, file data to storage by the file's layout.
 * Lengths follow 3FS: the handle tracks the furthest byte it wrote and reports it on fsync and close,
 * where meta also asks storage for the exact length.
 */
export class FlyerFs {
  #sessions = 0;

  constructor(
    private readonly env: Env,
    readonly meta: MetaClient,
    readonly storage: StorageClient,
    readonly routing: RoutingProvider,
  ) {}

  async open(path: string, flags: OpenFlags = { read: true }): Promise<FileHandle> {
    const writable = flags.write === true || flags.append === true;
    const sessionId = writable ? `${this.meta.caller.clientId}/${this.env.nodeId}/${++this.#sessions}` : undefined;
    const inode = flags.create
      ? await this.meta.create(path, { ...(flags.perm !== undefined ? { perm: flags.perm } : {}), ...(flags.exclusive ? { exclusive: true } : {}), ...(sessionId ? { sessionId } : {}) })
      : await this.meta.open(path, sessionId ? { sessionId } : {});
    if (inode.type === 'directory') {
      if (writable) throw new FlyerError('META_IS_DIRECTORY', path);
      throw new FlyerError('META_IS_DIRECTORY', `${path}: use readdir`);
    }
    if (inode.type !== 'file') throw new FlyerError('META_NOT_FILE', path);
    let file = inode;
    if (flags.truncate && writable && file.lengthBytes > 0) file = await this.meta.truncate({ inodeId: file.id }, 0) as FileInode;
    return new FileHandle(this, file, { readable: flags.read !== false, writable, append: flags.append === true, sessionId });
  }

  stat(path: string): Promise<Inode> {
    return this.meta.stat(path, true);
  }

  lstat(path: string): Promise<Inode> {
    return this.meta.stat(path, false);
  }

  readdir(path: string): Promise<DirEntry[]> {
    return this.meta.listAll(path);
  }

  /** `layout`: the new directory's own (its files inherit it; 3FS sets chunk size per directory); else its parent's. */
  async mkdir(path: string, options: { recursive?: boolean; perm?: number; layout?: DirectoryLayout } = {}): Promise<Inode> {
    return this.meta.mkdirs(path, options);
  }

  rename(srcPath: string, dstPath: string): Promise<void> {
    return this.meta.rename(srcPath, dstPath);
  }

  unlink(path: string): Promise<void> {
    return this.meta.remove(path, { expect: 'file' });
  }

  rmdir(path: string): Promise<void> {
    return this.meta.remove(path, { expect: 'directory' });
  }

  /** rm [-r]; with `trashExpireNs` the entry goes to /trash/<uid> first. */
  remove(path: string, options: { recursive?: boolean; trashExpireNs?: number } = {}): Promise<void> {
    return this.meta.remove(path, options);
  }

  truncate(path: string, lengthBytes: number): Promise<Inode> {
    return this.meta.truncate({ path }, lengthBytes);
  }

  symlink(target: string, path: string): Promise<Inode> {
    return this.meta.symlink(path, target);
  }

  link(existingPath: string, newPath: string): Promise<Inode> {
    return this.meta.hardLink(existingPath, newPath);
  }

  realpath(path: string): Promise<string> {
    return this.meta.realPath(path);
  }

  statfs(): Promise<StatFs> {
    return this.meta.statFs();
  }

  /** Whole-file helpers. */
  async readFile(path: string): Promise<Payload> {
    const handle = await this.open(path, { read: true });
    try {
      return await handle.pread(0, handle.lengthBytes);
    } finally {
      await handle.close();
    }
  }

  async writeFile(path: string, data: Payload | Uint8Array | string): Promise<void> {
    const handle = await this.open(path, { write: true, create: true, truncate: true });
    try {
      await handle.pwrite(0, isPayload(data) ? data : realPayload(data));
    } finally {
      await handle.close();
    }
  }
}

/** An open file: positioned and positional I/O, fsync, close. */
export class FileHandle {
  #file: FileInode;
  #positionBytes = 0;
  /** The furthest byte this handle wrote: the length hint for meta. */
  #writtenEndBytes = 0;
  #dirty = false;
  #closed = false;

  constructor(
    private readonly fs: FlyerFs,
    file: FileInode,
    private readonly mode: { readonly readable: boolean; readonly writable: boolean; readonly append: boolean; readonly sessionId: string | undefined },
  ) {
    this.#file = file;
  }

  get inode(): FileInode {
    return this.#file;
  }

  /** The length as this handle sees it: meta's, or further if it wrote past that. */
  get lengthBytes(): number {
    return Math.max(this.#file.lengthBytes, this.#writtenEndBytes);
  }

  async pread(offsetBytes: number, lengthBytes: number): Promise<Payload> {
    this.#check(this.mode.readable, 'not open for reading');
    checkRange(offsetBytes, lengthBytes);
    const available = Math.max(0, Math.min(lengthBytes, this.lengthBytes - offsetBytes));
    return readRange(this.fs.storage, this.fs.routing, this.#file, offsetBytes, available);
  }

  /**
   * Reads from `offsetBytes` into `into` (received in place in real mode); returns the bytes read, fewer
   * than `into.length` only at the end of the file.
   */
  async preadInto(offsetBytes: number, into: Uint8Array): Promise<number> {
    this.#check(this.mode.readable, 'not open for reading');
    checkRange(offsetBytes, into.length);
    const available = Math.max(0, Math.min(into.length, this.lengthBytes - offsetBytes));
    await readRangeInto(this.fs.storage, this.fs.routing, this.#file, offsetBytes, into.subarray(0, available));
    return available;
  }

  async read(lengthBytes: number): Promise<Payload> {
    const data = await this.pread(this.#positionBytes, lengthBytes);
    this.#positionBytes += data.sizeBytes;
    return data;
  }

  async pwrite(offsetBytes: number, data: Payload | Uint8Array): Promise<number> {
    this.#check(this.mode.writable, 'not open for writing');
    const payload = isPayload(data) ? data : realPayload(data);
    checkRange(offsetBytes, payload.sizeBytes);
    await writeRange(this.fs.storage, this.fs.routing, this.#file, offsetBytes, payload);
    this.#writtenEndBytes = Math.max(this.#writtenEndBytes, offsetBytes + payload.sizeBytes);
    this.#dirty = true;
    return payload.sizeBytes;
  }

  async write(data: Payload | Uint8Array): Promise<number> {
    const at = this.mode.append ? this.lengthBytes : this.#positionBytes;
    const written = await this.pwrite(at, data);
    this.#positionBytes = at + written;
    return written;
  }

  seek(positionBytes: number): void {
    checkRange(positionBytes, 0);
    this.#positionBytes = positionBytes;
  }

  /** Makes the length durable in meta (the data is durable once each write returned). */
  async fsync(): Promise<void> {
    this.#check(true, '');
    if (!this.#dirty) return;
    this.#file = await this.fs.meta.sync(this.#file.id, this.#lengthReport()) as FileInode;
    this.#dirty = false;
  }

  async stat(): Promise<FileInode> {
    this.#check(true, '');
    this.#file = await this.fs.meta.statInode(this.#file.id) as FileInode;
    return this.#file;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.mode.writable) return;
    this.#file = await this.fs.meta.close(this.#file.id, {
      ...(this.mode.sessionId !== undefined ? { sessionId: this.mode.sessionId } : {}),
      ...(this.#dirty ? this.#lengthReport() : {}),
    }) as FileInode;
  }

  #lengthReport() {
    return { lengthHintBytes: this.#writtenEndBytes, truncateVersion: this.#file.truncateVersion, updateLength: true };
  }

  #check(allowed: boolean, what: string): void {
    if (this.#closed) throw new FlyerError('META_BAD_FILE_HANDLE', `inode ${this.#file.id}: closed`);
    if (!allowed) throw new FlyerError('META_BAD_FILE_HANDLE', `inode ${this.#file.id}: ${what}`);
  }
}

function checkRange(offsetBytes: number, lengthBytes: number): void {
  if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0 || !Number.isSafeInteger(lengthBytes) || lengthBytes < 0) {
    throw new FlyerError('INVALID_ARGUMENT', `bad file range [${offsetBytes}, +${lengthBytes})`);
  }
}
