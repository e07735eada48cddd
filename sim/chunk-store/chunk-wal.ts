/**
 * The durable half of the simulated chunk store: a write-ahead log on the node's simulated disk with
 * group commit (every waiting record goes out in one write and one sync) and checkpoints.
 *
 * Files are `<dir>/wal.<generation>`. A generation file holds a snapshot of every committed chunk, a
 * `ready` record, then the log. A checkpoint writes generation g+1 in full, syncs it, and only then
 * removes generation g, so recovery takes the highest generation whose `ready` record survived and
 * deletes the rest. A record counts only once its sync returned: acknowledged = durable.
 */
import { concatBytes } from '../../system/env/concat-bytes.ts';
import { FlyerError } from '../../system/env/errors.ts';
import { recoverGenerations } from '../../system/env/generation-files.ts';
import type { Disk, DiskFile } from '../../system/env/types.ts';
import { frameRecord, parseLog, type WalRecord } from './wal-records.ts';

export interface ChunkWalOptions {
  /** Consider a checkpoint once the log (past the snapshot) exceeds this many bytes. */
  readonly checkpointBytes: number;
  /** The records of a fresh snapshot: every committed chunk, as the in-memory state has them now. */
  readonly snapshot: () => WalRecord[];
}

interface QueuedRecord {
  readonly bytes: Uint8Array;
  /** Makes the record's effect visible in memory; runs once the record is durable. */
  readonly apply: () => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const FILE_PREFIX = 'wal.';

export class ChunkWal {
  #file: DiskFile;
  #generation: number;
  #endBytes: number;
  #snapshotBytes: number;
  #queue: QueuedRecord[] = [];
  #flushing = false;
  #failure: FlyerError | undefined;
  #idle: Array<() => void> = [];

  private constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private readonly options: ChunkWalOptions,
    file: DiskFile,
    generation: number,
    snapshotBytes: number,
  ) {
    this.#file = file;
    this.#generation = generation;
    this.#endBytes = file.sizeBytes();
    this.#snapshotBytes = snapshotBytes;
  }

  /** Recovers the log in `dir` (or creates it) and returns it with every durable record, oldest first. */
  static async open(disk: Disk, dir: string, create: boolean, options: ChunkWalOptions): Promise<{ wal: ChunkWal; records: WalRecord[] }> {
    const chosen = await recoverGenerations(disk, `${dir}/${FILE_PREFIX}`, (bytes) => {
      const parsed = parseLog(bytes);
      return parsed.ready ? { value: parsed.records, validBytes: parsed.validBytes, snapshotBytes: parsed.validBytes } : undefined;
    }, create ? { initial: frameRecord({ t: 'ready' }), empty: [] as WalRecord[] } : undefined);
    if (!chosen) throw new FlyerError('DISK_NOT_FOUND', `no chunk store in ${dir}`);
    const wal = new ChunkWal(disk, dir, options, chosen.file, chosen.generation, chosen.snapshotBytes);
    return { wal, records: chosen.value };
  }

  get generation(): number {
    return this.#generation;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Appends `record`; once it is durable runs `apply`, then resolves. Records commit in call order. */
  append(record: WalRecord, apply: () => void): Promise<void> {
    if (this.#failure) {
      return Promise.reject(new FlyerError('CHUNK_ENGINE_FAILED', `the log of ${this.dir} failed earlier: ${this.#failure.detail}`));
    }
    const bytes = frameRecord(record);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ bytes, apply, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  /** Resolves once nothing is queued or being written. */
  drain(): Promise<void> {
    if (!this.#flushing) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#queue.length > 0 && !this.#failure) {
      const batch = this.#queue;
      this.#queue = [];
      const bytes = concatBytes(batch.map((item) => item.bytes));
      try {
        await this.#file.write(this.#endBytes, bytes);
        await this.#file.sync();
      } catch (error) {
        this.#fail(error, batch);
        break;
      }
      this.#endBytes += bytes.length;
      for (const item of batch) item.apply();
      for (const item of batch) item.resolve();
      if (this.#endBytes - this.#snapshotBytes > Math.max(this.options.checkpointBytes, this.#snapshotBytes)) {
        try {
          await this.#checkpoint();
        } catch (error) {
          this.#fail(error, []);
        }
      }
    }
    this.#flushing = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Writes the next generation from the in-memory state (which now equals the durable state). */
  async #checkpoint(): Promise<void> {
    const next = this.#generation + 1;
    const file = await this.disk.open(`${this.dir}/${FILE_PREFIX}${next}`, { create: true });
    const bytes = concatBytes([...this.options.snapshot().map(frameRecord), frameRecord({ t: 'ready' })]);
    await file.truncate(0);
    await file.write(0, bytes);
    await file.sync();
    const previous = this.#generation;
    await this.#file.close();
    this.#file = file;
    this.#generation = next;
    this.#endBytes = bytes.length;
    this.#snapshotBytes = bytes.length;
    await this.disk.remove(`${this.dir}/${FILE_PREFIX}${previous}`);
  }

  /**
   * After an I/O error nothing more is logged: an unsynced write may or may not reach the disk later,
   * so the store must be reopened (recovery then decides what survived).
   */
  #fail(error: unknown, batch: QueuedRecord[]): void {
    const detail = error instanceof Error ? error.message : String(error);
    this.#failure = new FlyerError('CHUNK_ENGINE_IO', `log of ${this.dir}: ${detail}`, { cause: error });
    for (const item of [...batch, ...this.#queue.splice(0)]) item.reject(this.#failure);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.#file.close();
  }
}
