import { assert } from './assert.ts';
import { decodeMessage, encodeMessage } from './codec.ts';
import { frameBody, scanFrames } from './checksummed-frames.ts';
import { FlyerError } from './errors.ts';
import type { KvStore, KvTransaction } from './kv.ts';
import { fromKeyString, MemoryKv, type CommittedChange, type MemoryKvOptions } from './kv-memory.ts';
import type { Disk, DiskFile } from './types.ts';

/**
 * The embedded durable KV: the in-memory MVCC store (serializable transactions, conflict retry) plus a
 * write-ahead log on the node's Disk. Every commit is appended to the log in commit order, synchronously
 * with the commit itself; a transaction returns only once the log is synced past everything it could
 * have seen, so nothing acknowledged — nor anything an acknowledged read saw — is lost in a crash. Log
 * writes are group-committed: one sync covers every transaction that finished meanwhile. Opening replays
 * the log and cuts off a torn tail. Works unchanged on a simulated and a real disk.
 *
 * Record: [u32 body length][u32 crc32c(body)][body = MessagePack {c: clears, w: writes}].
 */
const RECORD_BYTES_MAX = 64 << 20;

export class DurableKv implements KvStore {
  readonly #memory: MemoryKv;
  readonly #file: DiskFile;
  #pending: Uint8Array[] = [];
  #appendedRecords = 0;
  #durableRecords = 0;
  #endBytes: number;
  #flushing: Promise<void> | undefined;
  #failed: FlyerError | undefined;

  private constructor(file: DiskFile, endBytes: number, options: MemoryKvOptions) {
    this.#file = file;
    this.#endBytes = endBytes;
    this.#memory = new MemoryKv({ ...options, onCommit: (change) => this.#append(change) });
  }

  static async open(disk: Disk, name: string, options: MemoryKvOptions = {}): Promise<DurableKv> {
    const file = await disk.open(`kv/${name}.wal`, { create: true });
    const { records, validBytes } = await readLog(file);
    if (validBytes < file.sizeBytes()) {
      // A crash tore the last record: it was never acknowledged, so it is dropped.
      await file.truncate(validBytes);
      await file.sync();
    }
    const kv = new DurableKv(file, validBytes, options);
    await kv.#replay(records);
    return kv;
  }

  /** Commits so far (replayed ones included). */
  get version(): number {
    return this.#memory.version;
  }

  async transact<T>(body: (txn: KvTransaction) => Promise<T>, options: { maxRetries?: number } = {}): Promise<T> {
    if (this.#failed) throw this.#failed;
    const result = await this.#memory.transact(body, options);
    await this.#durableUpTo(this.#appendedRecords);
    return result;
  }

  async close(): Promise<void> {
    await this.#durableUpTo(this.#appendedRecords).catch(() => undefined);
    await this.#memory.close();
    await this.#file.close();
  }

  async #replay(records: Uint8Array[]): Promise<void> {
    const replaying = this.#appendedRecords;
    for (const record of records) {
      const change = decodeMessage(record) as { c: Array<[string, string]>; w: Array<[string, Uint8Array | null]> };
      await this.#memory.transact(async (txn) => {
        for (const [begin, end] of change.c) txn.clearRange(fromKeyString(begin), fromKeyString(end));
        for (const [key, value] of change.w) {
          if (value === null) txn.clear(fromKeyString(key));
          else txn.set(fromKeyString(key), value);
        }
      });
    }
    // Replayed commits are already in the log: forget the copies the commit hook queued for them.
    this.#pending = [];
    this.#appendedRecords = replaying;
    this.#durableRecords = replaying;
  }

  #append(change: CommittedChange): void {
    const body = encodeMessage({ c: change.clears.map(([b, e]) => [b, e]), w: [...change.writes] }).bytes;
    assert(body.length <= RECORD_BYTES_MAX, `kv log record of ${body.length} bytes is over the limit`);
    this.#pending.push(frameBody(body));
    this.#appendedRecords++;
  }

  /** Waits until the first `records` records are synced, starting group commits as needed. */
  async #durableUpTo(records: number): Promise<void> {
    while (this.#durableRecords < records) {
      if (this.#failed) throw this.#failed;
      if (!this.#flushing) {
        this.#flushing = this.#flush().finally(() => {
          this.#flushing = undefined;
        });
      }
      await this.#flushing;
    }
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    const upTo = this.#appendedRecords;
    this.#pending = [];
    if (batch.length === 0) {
      this.#durableRecords = upTo;
      return;
    }
    const bytes = new Uint8Array(batch.reduce((sum, r) => sum + r.length, 0));
    let at = 0;
    for (const record of batch) {
      bytes.set(record, at);
      at += record.length;
    }
    try {
      await this.#file.write(this.#endBytes, bytes);
      await this.#file.sync();
    } catch (error) {
      // The memory store is now ahead of the log: refuse everything from here on (fail-stop).
      this.#failed = new FlyerError('DISK_IO_ERROR', `kv log write failed: ${(error as Error).message}`, { cause: error });
      throw this.#failed;
    }
    this.#endBytes += bytes.length;
    this.#durableRecords = upTo;
  }
}

async function readLog(file: DiskFile): Promise<{ records: Uint8Array[]; validBytes: number }> {
  const size = file.sizeBytes();
  const data = size > 0 ? await file.read(0, size) : new Uint8Array(0);
  const records: Uint8Array[] = [];
  let validBytes = 0;
  for (const { body, endBytes } of scanFrames(data, RECORD_BYTES_MAX)) {
    records.push(body);
    validBytes = endBytes;
  }
  return { records, validBytes };
}
