import { constants } from 'node:fs';
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { FlyerError } from '../env/errors.ts';
import type { Disk, DiskFile } from '../env/types.ts';

/** Maps a node:fs failure to a disk code: ENOENT is a missing file, ENOSPC/EDQUOT a full disk. */
function diskError(error: unknown, what: string): FlyerError {
  if (error instanceof FlyerError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = `${what}: ${code ?? (error as Error | undefined)?.message ?? String(error)}`;
  if (code === 'ENOENT') return new FlyerError('DISK_NOT_FOUND', detail, { cause: error });
  if (code === 'ENOSPC' || code === 'EDQUOT') return new FlyerError('DISK_FULL', detail, { cause: error });
  return new FlyerError('DISK_IO_ERROR', detail, { cause: error });
}

/**
 * Checks a file name: relative, '/'-separated, no empty, '.' or '..' segments, no NUL or backslash.
 * Names are keys into the data directory, so anything that could step outside it is refused.
 */
export function validateDiskName(name: string): void {
  const bad = (why: string): never => {
    throw new FlyerError('INVALID_ARGUMENT', `disk file name ${JSON.stringify(name)} ${why}`);
  };
  if (typeof name !== 'string' || name.length === 0) bad('is empty');
  if (name.includes('\0')) bad('contains NUL');
  if (name.includes('\\')) bad('contains a backslash');
  if (name.startsWith('/')) bad('is absolute');
  for (const segment of name.split('/')) {
    if (segment === '') bad('has an empty segment');
    if (segment === '.' || segment === '..') bad(`has a '${segment}' segment`);
  }
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new FlyerError('INVALID_ARGUMENT', `${what} ${value} is not a non-negative integer`);
}

/** A node's files in one data directory; names may hold '/' for subdirectories, made on demand. */
export class RealDisk implements Disk {
  readonly #rootDir: string;

  constructor(rootDir: string) {
    this.#rootDir = resolve(rootDir);
  }

  get rootDir(): string {
    return this.#rootDir;
  }

  #path(name: string): string {
    validateDiskName(name);
    return join(this.#rootDir, name);
  }

  async open(name: string, options?: { create?: boolean }): Promise<DiskFile> {
    const path = this.#path(name);
    const create = options?.create === true;
    try {
      if (create) await mkdir(dirname(path), { recursive: true });
      const flags = constants.O_RDWR | (create ? constants.O_CREAT : 0);
      const handle = await open(path, flags, 0o644);
      const info = await handle.stat().catch(async (error: unknown) => {
        await handle.close();
        throw error;
      });
      if (!info.isFile()) {
        await handle.close();
        throw new FlyerError('DISK_IO_ERROR', `open ${name}: not a regular file`);
      }
      return new RealDiskFile({ name, handle, sizeBytes: info.size, parentDir: dirname(path), created: create });
    } catch (error) {
      throw diskError(error, `open ${name}`);
    }
  }

  async exists(name: string): Promise<boolean> {
    const path = this.#path(name);
    try {
      return (await stat(path)).isFile();
    } catch (error) {
      const flyerError = diskError(error, `stat ${name}`);
      if (flyerError.code === 'DISK_NOT_FOUND' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw flyerError;
    }
  }

  /** Unlinks a file (DISK_NOT_FOUND if absent). The directory is not synced: a crash may bring it back. */
  async remove(name: string): Promise<void> {
    const path = this.#path(name);
    try {
      await unlink(path);
    } catch (error) {
      throw diskError(error, `remove ${name}`);
    }
  }

  /** Every file whose name starts with `prefix`, sorted. */
  async list(prefix = ''): Promise<string[]> {
    const names: string[] = [];
    try {
      const entries = await readdir(this.#rootDir, { recursive: true, withFileTypes: true });
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        // parentPath is the directory holding the entry (Node 20.12+; `path` before that).
        const parent = (entry as unknown as { parentPath?: string; path: string }).parentPath ?? entry.path;
        const name = relative(this.#rootDir, join(parent, entry.name)).split(sep).join('/');
        if (name.startsWith(prefix)) names.push(name);
      }
    } catch (error) {
      const flyerError = diskError(error, 'list');
      if (flyerError.code === 'DISK_NOT_FOUND') return [];
      throw flyerError;
    }
    return names.sort();
  }
}

class RealDiskFile implements DiskFile {
  readonly name: string;
  readonly #handle: FileHandle;
  readonly #parentDir: string;
  /** Tracked here because sizeBytes() is synchronous; this process is the file's only writer. */
  #sizeBytes: number;
  /** A created file's directory entry is durable only once its directory is synced too. */
  #parentNeedsSync: boolean;

  constructor(options: { name: string; handle: FileHandle; sizeBytes: number; parentDir: string; created: boolean }) {
    this.name = options.name;
    this.#handle = options.handle;
    this.#sizeBytes = options.sizeBytes;
    this.#parentDir = options.parentDir;
    this.#parentNeedsSync = options.created;
  }

  /** Reads up to `lengthBytes`; fewer come back only when the file ends first. */
  async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    checkCount(offsetBytes, `read ${this.name}: offset`);
    checkCount(lengthBytes, `read ${this.name}: length`);
    const out = Buffer.allocUnsafe(Math.max(0, Math.min(lengthBytes, this.#sizeBytes - offsetBytes)));
    let filled = 0;
    try {
      while (filled < out.length) {
        const { bytesRead } = await this.#handle.read(out, filled, out.length - filled, offsetBytes + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
    } catch (error) {
      throw diskError(error, `read ${this.name}`);
    }
    return out.subarray(0, filled);
  }

  async write(offsetBytes: number, bytes: Uint8Array): Promise<void> {
    checkCount(offsetBytes, `write ${this.name}: offset`);
    let written = 0;
    try {
      while (written < bytes.length) {
        const result = await this.#handle.write(bytes, written, bytes.length - written, offsetBytes + written);
        written += result.bytesWritten;
      }
    } catch (error) {
      throw diskError(error, `write ${this.name}`);
    } finally {
      // A zero-length write changes nothing on disk, so it must not grow the tracked size either.
      if (written > 0) this.#sizeBytes = Math.max(this.#sizeBytes, offsetBytes + written);
    }
  }

  async truncate(sizeBytes: number): Promise<void> {
    checkCount(sizeBytes, `truncate ${this.name}: size`);
    try {
      await this.#handle.truncate(sizeBytes);
    } catch (error) {
      throw diskError(error, `truncate ${this.name}`);
    }
    this.#sizeBytes = sizeBytes;
  }

  /** fdatasync, plus an fsync of the directory the first time for a file this handle created. */
  async sync(): Promise<void> {
    try {
      await this.#handle.datasync();
      if (this.#parentNeedsSync) {
        const dir = await open(this.#parentDir, constants.O_RDONLY);
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
        this.#parentNeedsSync = false;
      }
    } catch (error) {
      throw diskError(error, `sync ${this.name}`);
    }
  }

  sizeBytes(): number {
    return this.#sizeBytes;
  }

  async close(): Promise<void> {
    try {
      await this.#handle.close();
    } catch (error) {
      throw diskError(error, `close ${this.name}`);
    }
  }
}
