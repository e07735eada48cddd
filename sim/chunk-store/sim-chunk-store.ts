/**
 * The ChunkStore of simulation, with the Rust engine's semantics (3fs-notes §3.1): one committed version
 * plus at most one pending version per chunk, CRAQ version rules (versioning.ts), reads that only ever
 * see the committed version, one operation per chunk at a time (CHUNK_BUSY otherwise).
 *
 * Contents live in memory as payloads in normal form (system/services/storage/chunk-content.ts), so a
 * synthetic chunk costs a few objects; data transfers are charged to the node's simulated SSD
 * (data-io.ts). Durability comes from a write-ahead log on the simulated disk (chunk-wal.ts): a commit
 * or range remove resolves only after its record is synced, so after a crash the store reopens with
 * exactly the acknowledged committed state. Pending versions are not logged and vanish in a crash
 * (the Rust engine logs them; a restarted target is resynced anyway, 3fs-notes §1.3 "Startup protocol").
 *
 * `crc32c` is the CRC32C of real content and a digest of the content identity for synthetic content
 * (payloadChecksum); a write's `checksum` is checked the same way.
 */
import { assert } from '../../system/env/assert.ts';
import type {
  ChunkId, ChunkMeta, ChunkReadResult, ChunkStore, ChunkStoreOptions, ChunkUpdateRequest, SpaceInfo,
} from '../../system/env/chunk-store.ts';
import { FlyerError } from '../../system/env/errors.ts';
import { payloadSlice } from '../../system/env/payload.ts';
import type { Disk, Env } from '../../system/env/types.ts';
import { applyChunkUpdate, payloadChecksum } from '../../system/services/storage/chunk-content.ts';
import { dataBytes, entryBytes, metaOf, updateOf, versionOf, walOpOf } from './chunk-entry.ts';
import { ChunkWal } from './chunk-wal.ts';
import { chargeDataIo } from './data-io.ts';
import { checkCount, checkUpdateRequest, hexToId, idToHex } from './request-checks.ts';
import { chooseUpdateVersion, decideCommit, type ChunkEntry } from './versioning.ts';
import type { WalOp, WalRecord } from './wal-records.ts';

export interface SimChunkStoreConfig {
  /** Bytes of chunk data the target may hold (default 16 TiB). */
  readonly capacityBytes?: number;
  /** Used fraction at which spaceInfo().lowSpace turns on (default 0.96, as 3FS). */
  readonly lowSpaceRatio?: number;
  /** Used fraction at which new chunks are refused with CHUNK_NO_SPACE (default 0.98, as 3FS). */
  readonly rejectCreateRatio?: number;
  /** Log bytes past the snapshot before a checkpoint is considered (default 4 MiB). */
  readonly checkpointBytes?: number;
}

interface StoredEntry extends ChunkEntry {
  /** The update that made the pending version: what its commit logs. */
  readonly pendingOp: WalOp | undefined;
}

/** Paths open per Disk (one Disk per node incarnation): a second open of one target is refused, as the native engine's lock does. */
const openPaths = new WeakMap<Disk, Set<string>>();

export class SimChunkStore implements ChunkStore {
  readonly #entries = new Map<string, StoredEntry>();
  #sortedIds: string[] | undefined;
  readonly #busy = new Set<string>();
  #usedBytes = 0;
  #closed = false;
  #wal!: ChunkWal;
  readonly #capacityBytes: number;
  readonly #lowSpaceRatio: number;
  readonly #rejectCreateRatio: number;

  private constructor(private readonly disk: Disk, readonly targetId: number, readonly path: string, config: SimChunkStoreConfig) {
    this.#capacityBytes = config.capacityBytes ?? 16 * 2 ** 40;
    this.#lowSpaceRatio = config.lowSpaceRatio ?? 0.96;
    this.#rejectCreateRatio = config.rejectCreateRatio ?? 0.98;
  }

  /** Opens (recovering from the log) or creates the store of one target under `options.path`. */
  static async open(env: Env, options: ChunkStoreOptions, config: SimChunkStoreConfig = {}): Promise<SimChunkStore> {
    if (typeof options.path !== 'string' || options.path.length === 0) throw new FlyerError('INVALID_ARGUMENT', 'a chunk store needs a path');
    const paths = openPaths.get(env.disk) ?? new Set<string>();
    openPaths.set(env.disk, paths);
    if (paths.has(options.path)) throw new FlyerError('CHUNK_ENGINE_LOCKED', `${options.path} is already open on ${env.nodeId}`);
    paths.add(options.path);
    const store = new SimChunkStore(env.disk, options.targetId, options.path, config);
    try {
      const { wal, records } = await ChunkWal.open(env.disk, options.path, options.create ?? true, {
        checkpointBytes: config.checkpointBytes ?? 4 * 2 ** 20,
        snapshot: () => store.#snapshot(),
      });
      store.#wal = wal;
      for (const record of records) store.#replay(record);
    } catch (error) {
      paths.delete(options.path);
      throw error;
    }
    return store;
  }

  async read(chunkId: ChunkId, offsetBytes: number, lengthBytes: number): Promise<ChunkReadResult> {
    this.#checkOpen();
    const hex = idToHex(chunkId);
    checkCount(offsetBytes, 'offsetBytes');
    checkCount(lengthBytes, 'lengthBytes');
    const entry = this.#entries.get(hex);
    const committed = entry?.committed;
    if (!entry || !committed) throw new FlyerError('CHUNK_NOT_FOUND', `chunk ${hex} has no committed version`);
    const endBytes = offsetBytes + lengthBytes;
    if (endBytes > committed.content.sizeBytes) {
      throw new FlyerError('CHUNK_OUT_OF_RANGE', `read [${offsetBytes}, ${endBytes}) past the end of chunk ${hex} (${committed.content.sizeBytes} bytes)`);
    }
    // The version is captured now: a commit during the device time does not change what this read returns.
    const meta = metaOf(chunkId, entry);
    await chargeDataIo(this.disk, 'read', lengthBytes, `read of chunk ${hex}`);
    return { payload: payloadSlice(committed.content, offsetBytes, lengthBytes), meta };
  }

  async update(request: ChunkUpdateRequest): Promise<ChunkMeta> {
    this.#checkOpen();
    checkUpdateRequest(request);
    const { update } = request;
    const hex = idToHex(request.chunkId);
    if (update.kind === 'write' && update.checksum !== undefined && payloadChecksum(update.payload) !== update.checksum >>> 0) {
      throw new FlyerError('CHUNK_PAYLOAD_CHECKSUM', `payload of ${update.payload.sizeBytes} bytes does not match checksum ${update.checksum} for chunk ${hex}`);
    }
    if (this.#busy.has(hex)) throw new FlyerError('CHUNK_BUSY', `chunk ${hex} has another operation in flight`);
    const entry = this.#entries.get(hex);
    const version = chooseUpdateVersion(entry, update.kind, request.updateVersion, request.chainVersion);
    const content = applyChunkUpdate(entry?.committed?.content, update);
    this.#checkSpace(entry, content?.sizeBytes ?? 0, hex);
    this.#busy.add(hex);
    try {
      await chargeDataIo(this.disk, 'write', dataBytes(update), `update of chunk ${hex}`);
    } finally {
      this.#busy.delete(hex);
    }
    // Busy kept every other update, commit and range remove of this chunk away meanwhile.
    assert(this.#entries.get(hex) === entry, `chunk ${hex} changed under its update`);
    const pending = content === undefined
      ? { kind: 'remove' as const, version, chainVersion: request.chainVersion }
      : { kind: 'data' as const, isReplace: update.kind === 'replace', version: versionOf(version, request.chainVersion, content) };
    this.#setEntry(hex, { committed: entry?.committed, pending, pendingOp: walOpOf(update) });
    return metaOf(request.chunkId, this.#entries.get(hex)!);
  }

  async commit(chunkId: ChunkId, updateVersion: number, chainVersion: number): Promise<ChunkMeta> {
    this.#checkOpen();
    const hex = idToHex(chunkId);
    checkCount(updateVersion, 'updateVersion');
    checkCount(chainVersion, 'chainVersion');
    if (this.#busy.has(hex)) throw new FlyerError('CHUNK_BUSY', `chunk ${hex} has another operation in flight`);
    const entry = this.#entries.get(hex);
    if (decideCommit(entry, updateVersion, chainVersion) === 'stale') return metaOf(chunkId, entry!);
    const pending = entry!.pending!;
    const op = entry!.pendingOp!;
    const crc = pending.kind === 'data' ? pending.version.crc32c : 0;
    this.#busy.add(hex);
    try {
      await this.#wal.append({ t: 'commit', id: hex, v: updateVersion, cv: chainVersion, crc, op }, () => {
        const current = this.#entries.get(hex);
        assert(current === entry, `chunk ${hex} changed under its commit`);
        if (pending.kind === 'remove') {
          this.#setEntry(hex, undefined);
          return;
        }
        // CRAQ's invariant (the P spec's MonotoneIncreasingVersionNumber): commit versions only grow,
        // except through a full-chunk replace, which is authoritative.
        assert(pending.isReplace || updateVersion > (entry!.committed?.version ?? 0),
          `commit of version ${updateVersion} of chunk ${hex} does not follow committed ${entry!.committed?.version}`);
        this.#setEntry(hex, { committed: { ...pending.version, chainVersion }, pending: undefined, pendingOp: undefined });
      });
    } finally {
      this.#busy.delete(hex);
    }
    const after = this.#entries.get(hex);
    if (!after) return { chunkId, lengthBytes: 0, commitVersion: updateVersion, updateVersion, chainVersion, crc32c: 0 };
    return metaOf(chunkId, after);
  }

  async meta(chunkId: ChunkId): Promise<ChunkMeta | undefined> {
    this.#checkOpen();
    const entry = this.#entries.get(idToHex(chunkId));
    return entry ? metaOf(chunkId, entry) : undefined;
  }

  async list(begin: ChunkId, end: ChunkId, limit: number): Promise<ChunkMeta[]> {
    this.#checkOpen();
    checkCount(limit, 'limit');
    return this.#idsInRange(idToHex(begin), idToHex(end), limit, () => true)
      .map((hex) => metaOf(hexToId(hex), this.#entries.get(hex)!));
  }

  async removeRange(begin: ChunkId, end: ChunkId, limit: number): Promise<number> {
    this.#checkOpen();
    checkCount(limit, 'limit');
    // Chunks with an operation in flight are skipped; the caller sees fewer removed and calls again.
    const ids = this.#idsInRange(idToHex(begin), idToHex(end), limit, (hex) => !this.#busy.has(hex));
    if (ids.length === 0) return 0;
    for (const hex of ids) this.#busy.add(hex);
    try {
      await this.#wal.append({ t: 'remove', ids }, () => {
        for (const hex of ids) this.#setEntry(hex, undefined);
      });
    } finally {
      for (const hex of ids) this.#busy.delete(hex);
    }
    return ids.length;
  }

  async spaceInfo(): Promise<SpaceInfo> {
    this.#checkOpen();
    const usedBytes = Math.min(this.#usedBytes, this.#capacityBytes);
    return {
      capacityBytes: this.#capacityBytes,
      usedBytes,
      freeBytes: this.#capacityBytes - usedBytes,
      lowSpace: usedBytes >= this.#capacityBytes * this.#lowSpaceRatio,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#wal.close();
    } finally {
      openPaths.get(this.disk)?.delete(this.path);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new FlyerError('CHUNK_ENGINE_CLOSED', `chunk store of target ${this.targetId} is closed`);
    if (this.#wal.failed) throw new FlyerError('CHUNK_ENGINE_FAILED', `chunk store of target ${this.targetId} must be reopened`);
  }

  #checkSpace(entry: StoredEntry | undefined, newBytes: number, hex: string): void {
    const usedAfter = this.#usedBytes - entryBytes(entry) + Math.max(newBytes, entry?.committed?.content.sizeBytes ?? 0);
    if (entry === undefined && this.#usedBytes >= this.#capacityBytes * this.#rejectCreateRatio) {
      throw new FlyerError('CHUNK_NO_SPACE', `target ${this.targetId} is ${this.#usedBytes} of ${this.#capacityBytes} bytes full; new chunk ${hex} refused`);
    }
    if (usedAfter > this.#capacityBytes) throw new FlyerError('CHUNK_NO_SPACE', `chunk ${hex} needs ${newBytes} bytes, target ${this.targetId} is full`);
  }

  /** Sets or deletes an entry, keeping the space count and the id order up to date. */
  #setEntry(hex: string, entry: StoredEntry | undefined): void {
    const previous = this.#entries.get(hex);
    this.#usedBytes += entryBytes(entry) - entryBytes(previous);
    if (entry === undefined) {
      this.#entries.delete(hex);
      this.#sortedIds = undefined;
    } else {
      if (previous === undefined) this.#sortedIds = undefined;
      this.#entries.set(hex, entry);
    }
  }

  /** Ids in [begin, end) in id order (lowercase hex of equal length sorts as the bytes do). */
  #idsInRange(begin: string, end: string, limit: number, keep: (hex: string) => boolean): string[] {
    this.#sortedIds ??= [...this.#entries.keys()].sort();
    const ids = this.#sortedIds;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! < begin) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < ids.length && out.length < limit && ids[i]! < end; i++) if (keep(ids[i]!)) out.push(ids[i]!);
    return out;
  }

  #replay(record: WalRecord): void {
    switch (record.t) {
      case 'ready':
        return;
      case 'chunk':
        this.#setEntry(record.id, { committed: { version: record.v, chainVersion: record.cv, content: record.c, crc32c: record.crc }, pending: undefined, pendingOp: undefined });
        return;
      case 'remove':
        for (const hex of record.ids) this.#setEntry(hex, undefined);
        return;
      case 'commit': {
        const content = applyChunkUpdate(this.#entries.get(record.id)?.committed?.content, updateOf(record.op));
        if (content === undefined) {
          this.#setEntry(record.id, undefined);
          return;
        }
        const version = versionOf(record.v, record.cv, content);
        if (version.crc32c !== record.crc) {
          throw new FlyerError('CHUNK_METADATA_CORRUPT', `replay of chunk ${record.id} version ${record.v} gives checksum ${version.crc32c}, logged ${record.crc}`);
        }
        this.#setEntry(record.id, { committed: version, pending: undefined, pendingOp: undefined });
      }
    }
  }

  #snapshot(): WalRecord[] {
    const records: WalRecord[] = [];
    for (const [hex, entry] of this.#entries) {
      const c = entry.committed;
      if (c) records.push({ t: 'chunk', id: hex, v: c.version, cv: c.chainVersion, crc: c.crc32c, c: c.content });
    }
    return records;
  }
}
