import { FlyerError } from '../system/env/errors.ts';
import type { Disk, DiskFile } from '../system/env/types.ts';
import type { RandomStream } from '../system/env/random.ts';
import { PageFile } from './disk/page-file.ts';
import type { SimNode } from './node-runtime.ts';

/**
 * The Disk one node incarnation sees. Data lives in the node's PageFiles (surviving restarts up to
 * the last sync); every operation takes the time the node's SSD model gives it, may fail with an
 * injected I/O error, and takes effect only if the incarnation that issued it is still alive when the
 * device completes it. File creation and removal are durable at once (as if the directory were synced).
 */
export class SimDisk implements Disk {
  constructor(
    private readonly node: SimNode,
    private readonly incarnation: number,
    private readonly faults: RandomStream,
  ) {}

  async open(name: string, options: { create?: boolean } = {}): Promise<DiskFile> {
    validateName(name);
    let file = this.node.files.get(name);
    if (!file) {
      if (!options.create) throw new FlyerError('DISK_NOT_FOUND', name);
      file = new PageFile();
      this.node.files.set(name, file);
    }
    return new SimDiskFile(name, this, file);
  }

  async exists(name: string): Promise<boolean> {
    validateName(name);
    return this.node.files.has(name);
  }

  async remove(name: string): Promise<void> {
    validateName(name);
    if (!this.node.files.delete(name)) throw new FlyerError('DISK_NOT_FOUND', name);
  }

  async list(prefix = ''): Promise<string[]> {
    return [...this.node.files.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  /** Runs `apply` when the device completes an operation of `sizeBytes`, then resumes the caller. */
  io<T>(operation: 'read' | 'write', sizeBytes: number, apply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.node.ssd.submit(operation, sizeBytes, () => {
        if (!this.node.isCurrent(this.incarnation)) return;
        if (this.faults.chance(this.node.diskFaults.ioErrorProbability)) {
          this.node.diskFaults.injectedErrors++;
          this.node.wakeNow(this.incarnation, () => reject(new FlyerError('DISK_IO_ERROR', `injected ${operation} error on ${this.node.id}`)));
          return;
        }
        let result: T;
        try {
          result = apply();
        } catch (error) {
          this.node.wakeNow(this.incarnation, () => reject(error));
          return;
        }
        this.node.wakeNow(this.incarnation, () => resolve(result));
      });
    });
  }
}

class SimDiskFile implements DiskFile {
  constructor(readonly name: string, private readonly disk: SimDisk, private readonly file: PageFile) {}

  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    checkRange(offsetBytes, lengthBytes);
    return this.disk.io('read', lengthBytes, () => this.file.read(offsetBytes, lengthBytes));
  }

  write(offsetBytes: number, bytes: Uint8Array): Promise<void> {
    checkRange(offsetBytes, bytes.length);
    const copy = bytes.slice();
    return this.disk.io('write', copy.length, () => this.file.write(offsetBytes, copy));
  }

  truncate(sizeBytes: number): Promise<void> {
    checkRange(sizeBytes, 0);
    return this.disk.io('write', 0, () => this.file.truncate(sizeBytes));
  }

  sync(): Promise<void> {
    return this.disk.io('write', 0, () => this.file.sync());
  }

  sizeBytes(): number {
    return this.file.sizeBytes;
  }

  async close(): Promise<void> {}
}

function validateName(name: string): void {
  if (name.length === 0 || name.length > 1024 || name.includes('\0') || name.startsWith('/') || name.split('/').includes('..')) {
    throw new FlyerError('INVALID_ARGUMENT', `bad file name ${JSON.stringify(name)}`);
  }
}

function checkRange(offsetBytes: number, lengthBytes: number): void {
  if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0) {
    throw new FlyerError('INVALID_ARGUMENT', `bad file range [${offsetBytes}, +${lengthBytes})`);
  }
}
