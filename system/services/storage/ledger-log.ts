/**
 * The durable half of a target's update ledger (update-ledger.ts): an append-only log of small records
 * on the node's Disk, with group commit (every record waiting meanwhile goes out in one write and one
 * sync) and checkpoints, so it stays about as large as the ledger itself.
 *
 * Files are `<dir>/log.<generation>`. A generation holds a snapshot of the ledger, a `ready` record,
 * then the log. A checkpoint writes generation g+1 in full and syncs it before it removes generation
 * g, so recovery takes the highest generation whose `ready` record survived and deletes the others.
 * Frame: [u32 body length][u32 crc32c(body)][body = MessagePack]; a torn tail is cut off on open.
 */
import { frameBody, scanFrames } from '../../env/checksummed-frames.ts';
import { concatBytes } from '../../env/concat-bytes.ts';
import { decodeMessage, encodeMessage } from '../../env/codec.ts';
import { FlyerError } from '../../env/errors.ts';
import { recoverGenerations } from '../../env/generation-files.ts';
import type { Disk, DiskFile } from '../../env/types.ts';

/** A record larger than this is corrupt (snapshots are written in bounded pieces). */
const RECORD_BYTES_MAX = 16 << 20;
const FILE_PREFIX = 'log.';
const READY = { t: 'ready' } as const;

export interface LedgerLogOptions {
  /** Consider a checkpoint once the log past the snapshot exceeds this many bytes. */
  readonly checkpointBytes: number;
  /** Records that rebuild the current state from nothing (written at a checkpoint). */
  readonly snapshot: () => unknown[];
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class LedgerLog {
  #file: DiskFile;
  #generation: number;
  #endBytes: number;
  #snapshotBytes: number;
  #queued: Uint8Array[] = [];
  #waiters: Waiter[] = [];
  #flushing = false;
  #failure: FlyerError | undefined;
  #idle: Array<() => void> = [];

  private constructor(private readonly disk: Disk, private readonly dir: string, private readonly options: LedgerLogOptions,
    file: DiskFile, generation: number, snapshotBytes: number) {
    this.#file = file;
    this.#generation = generation;
    this.#endBytes = file.sizeBytes();
    this.#snapshotBytes = snapshotBytes;
  }

  /** Recovers the log in `dir` (creating it when absent) and returns it with its records, oldest first. */
  static async open(disk: Disk, dir: string, options: LedgerLogOptions): Promise<{ log: LedgerLog; records: unknown[] }> {
    const chosen = (await recoverGenerations(disk, `${dir}/${FILE_PREFIX}`, (bytes) => {
      const parsed = parseFrames(bytes);
      const readyAt = parsed.records.findIndex(isReady);
      if (readyAt < 0) return undefined;
      return { value: parsed.records.filter((r) => !isReady(r)), validBytes: parsed.validBytes, snapshotBytes: parsed.readyEndBytes[readyAt]! };
    }, { initial: frame(READY), empty: [] as unknown[] }))!;
    return { log: new LedgerLog(disk, dir, options, chosen.file, chosen.generation, chosen.snapshotBytes), records: chosen.value };
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Appends `record`; resolves once it is durable. Records reach the disk in call order. */
  append(record: unknown): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    this.#queued.push(frame(record));
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  /** Waits for the records already appended, then closes the file. */
  async close(): Promise<void> {
    if (this.#flushing) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await this.#file.close();
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#queued.length > 0 && !this.#failure) {
      const bytes = concatBytes(this.#queued);
      const waiters = this.#waiters;
      this.#queued = [];
      this.#waiters = [];
      try {
        await this.#file.write(this.#endBytes, bytes);
        await this.#file.sync();
      } catch (error) {
        this.#fail(error, waiters);
        break;
      }
      this.#endBytes += bytes.length;
      for (const waiter of waiters) waiter.resolve();
      if (this.#endBytes - this.#snapshotBytes > Math.max(this.options.checkpointBytes, this.#snapshotBytes)) await this.#checkpoint();
    }
    this.#flushing = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /**
   * Writes the next generation from the in-memory state. That state already holds the effect of every
   * record appended so far, the queued ones too, so those are taken out of the queue here (the snapshot
   * carries them, and applying one twice would not be harmless) and their waiters resolve with it.
   */
  async #checkpoint(): Promise<void> {
    const bytes = concatBytes([...this.options.snapshot().map(frame), frame(READY)]);
    const carried = this.#waiters;
    this.#queued = [];
    this.#waiters = [];
    const next = this.#generation + 1;
    try {
      const file = await this.disk.open(`${this.dir}/${FILE_PREFIX}${next}`, { create: true });
      await file.truncate(0);
      await file.write(0, bytes);
      await file.sync();
      await this.#switchTo(file, next, bytes.length);
    } catch (error) {
      this.#fail(error, carried);
      return;
    }
    for (const waiter of carried) waiter.resolve();
  }

  async #switchTo(file: DiskFile, next: number, sizeBytes: number): Promise<void> {
    const previous = this.#generation;
    await this.#file.close();
    this.#file = file;
    this.#generation = next;
    this.#endBytes = sizeBytes;
    this.#snapshotBytes = sizeBytes;
    await this.disk.remove(`${this.dir}/${FILE_PREFIX}${previous}`);
  }

  /**
   * After an I/O error nothing more is logged (an unsynced write may or may not reach the disk), so the
   * ledger fails stop, and its target with it, until the node reopens it.
   */
  #fail(error: unknown, waiters: Waiter[]): void {
    const detail = error instanceof Error ? error.message : String(error);
    this.#failure = new FlyerError('DISK_IO_ERROR', `update ledger log ${this.dir}: ${detail}`, { cause: error });
    for (const waiter of [...waiters, ...this.#waiters.splice(0)]) waiter.reject(this.#failure);
    this.#queued = [];
  }
}

function isReady(record: unknown): boolean {
  return typeof record === 'object' && record !== null && (record as { t?: unknown }).t === READY.t;
}

function frame(record: unknown): Uint8Array {
  const body = encodeMessage(record).bytes;
  if (body.length > RECORD_BYTES_MAX) throw new FlyerError('INVALID_ARGUMENT', `ledger record of ${body.length} bytes is over the limit`);
  return frameBody(body);
}

/** Every whole, intact record from the start; the end offset after each, to find the snapshot's end. */
function parseFrames(data: Uint8Array): { records: unknown[]; readyEndBytes: number[]; validBytes: number } {
  const records: unknown[] = [];
  const readyEndBytes: number[] = [];
  let validBytes = 0;
  for (const { body, endBytes } of scanFrames(data, RECORD_BYTES_MAX)) {
    records.push(decodeMessage(body));
    readyEndBytes.push(endBytes);
    validBytes = endBytes;
  }
  return { records, readyEndBytes, validBytes };
}
