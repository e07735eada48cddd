/**
 * The ChunkStore of real mode: a thin TypeScript face on the Rust chunk engine. Each operation is one
 * synchronous submit call (validate, queue, return) plus one completion harvested in bulk by the
 * CompletionHub; payload and read buffers are handed to the engine by pointer and kept referenced until
 * their completion, so data is copied at most once (into 4 KiB-aligned memory for O_DIRECT; not at all
 * when the payload is already 4 KiB aligned) and aligned reads land straight in the (4 KiB-aligned,
 * read-buffers.ts) result buffer. Callers must not modify a payload until its update settles.
 *
 * Buffered engines (directIo: false) serve large reads without any copy: the payload is a view into the
 * engine's read-only mapping of its data files, so the socket send copies the bytes once, from the page
 * cache (a pread into a pooled buffer cost about 16% of a storage process's CPU before the send copied
 * them again). O_DIRECT engines keep reading into pooled buffers: their writes bypass and invalidate the
 * page cache, so a mapping would fault every page in from disk one at a time.
 *
 * Beyond ChunkStore: lastChunk (3FS queryLastChunk), compact, stats (every engine counter) and
 * locate/unpin (the (fd, offset) of a committed chunk, pinned, for callers doing their own I/O).
 */
import { resolve } from 'node:path';
import koffi from 'koffi';
import type {
  ChunkId, ChunkMeta, ChunkReadResult, ChunkStore, ChunkStoreOptions, ChunkUpdateRequest, SpaceInfo,
} from '../../env/chunk-store.ts';
import { ErrorCodes, FlyerError } from '../../env/errors.ts';
import { materialize, RealPayload } from '../../env/payload.ts';
import { errorDetail, nativeError } from './codes.ts';
import { completionHub, type CompletionHub } from './completions.ts';
import { countArg, idArg, nextId, U32_MAX } from './ids.ts';
import {
  Completion, LOCATION_BYTES, MAPPED_BYTES, META_BYTES, SPACE_BYTES, UPDATE_BYTES, UpdateKindCode, decodeLocation, decodeMeta, decodeSpace,
  encodeUpdate, metaWithId, readU64, toChunkMeta, COMPLETION_META_OFFSET, type ChunkLocation, type EngineStats,
} from './layout.ts';
import { loadNativeLibrary, type NativeLibrary } from './library.ts';
import { encodeOptions, type NativeEngineOptions } from './options.ts';
import { readBuffer } from './read-buffers.ts';
import { POOLED_READ_MIN_BYTES, readBufferPool } from './read-pool.ts';

export interface NativeChunkStoreOptions extends ChunkStoreOptions {
  readonly engine?: NativeEngineOptions;
  /**
   * Mapped reads: after how long unreleased views make the ArrayBuffer they were cut from rotate, so
   * that dropped ones can be collected and their pins given back (default 10 s; tests shorten it).
   */
  readonly stalePinMs?: number;
}

const ERR_CAP = 1024;
const LIST_PAGE = 4096;
const EMPTY = Buffer.alloc(0);
const NOT_FOUND = ErrorCodes.CHUNK_NOT_FOUND.wire;

/** A mapped read's pin, given back once: by `release`, or when its segment's ArrayBuffer is collected. */
interface MappedPin {
  readonly token: bigint;
  /** performance.now() when taken: views kept unreleased for long make their segment's buffer rotate. */
  readonly takenMs: number;
  released: boolean;
}

/**
 * An ArrayBuffer over part of the engine's mapping of a data file, shared by the views of all reads in
 * it. An ArrayBuffer per read would cost a full garbage collection every ~16 reads of 4 MiB, as V8
 * counts each one's length as external memory: measured, storage CPU per MiB rose from 0.55 ms
 * (copying into pooled buffers) to 0.7-0.8 ms. It covers only mapped bytes (never address space past
 * the end of the file) and is read-only memory: writing through a view faults.
 */
interface MappedSegment {
  /** Offset in its group. */
  readonly start: number;
  readonly view: ArrayBuffer;
  /** Pins taken through this buffer and not released yet, oldest first. */
  readonly pins: Set<MappedPin>;
}

/**
 * One group (256 slots) of a data file: the engine maps it up to the end of the file and extends the
 * mapping in place as the file grows, so it is wrapped as consecutive segments, a new one for each
 * extension (rewrapping the whole group instead would add its whole length to V8's external memory at
 * every extension, and so a garbage collection per extension while reads follow fresh writes).
 */
interface MappedRegion {
  /** Consecutive from offset 0, in order. */
  readonly segments: MappedSegment[];
  /** Bytes wrapped so far: the end of the last segment. */
  wrappedBytes: number;
}

/**
 * A segment whose oldest unreleased pin is older than this gets a fresh ArrayBuffer for new reads, so
 * the old one can be collected once the views of the stragglers are dropped, which gives their pins
 * back (the ChunkStore contract lets callers drop a result without `release`). Far above the time a
 * reply takes to be written.
 */
const STALE_PIN_MS_DEFAULT = 10_000;

/** Whether this runtime allows ArrayBuffers over foreign memory (koffi.view); Electron, for one, does not. */
let externalViews: boolean | undefined;
function externalViewsAllowed(): boolean {
  if (externalViews === undefined) {
    try {
      koffi.view(Buffer.alloc(8), 8);
      externalViews = true;
    } catch {
      externalViews = false;
    }
  }
  return externalViews;
}

/** The payload of a read of `bytes` at `offsetBytes`: a whole chunk's carries the chunk's checksum. */
function readPayload(bytes: Uint8Array, offsetBytes: number, meta: ChunkMeta): RealPayload {
  const whole = offsetBytes === 0 && bytes.length === meta.lengthBytes;
  return new RealPayload(bytes, whole ? meta.crc32c >>> 0 : undefined);
}

export class NativeChunkStore implements ChunkStore {
  /**
   * Unpins mapped reads whose views became garbage without a `release` (callers that only use the
   * payload, as a resync does): once a segment's ArrayBuffer is unreachable, no view of any read taken
   * through it (nor any subarray of one) exists any more. Only a safety net: such a pin lasts until the
   * buffer rotates (`stalePinMs`) and is collected, keeping an orphaned slot allocated meanwhile.
   */
  static readonly #segmentViews = new FinalizationRegistry<{ store: NativeChunkStore; pins: Set<MappedPin> }>(({ store, pins }) => {
    for (const pin of pins) store.#releasePin(pin, false);
  });
  readonly targetId: number;
  readonly path: string;
  readonly #lib: NativeLibrary;
  readonly #hub: CompletionHub;
  readonly #handle: number;
  // Scratch buffers for synchronous calls: the engine copies out of or into them before returning.
  readonly #err = Buffer.alloc(ERR_CAP);
  readonly #request = Buffer.alloc(UPDATE_BYTES);
  readonly #requestView = new DataView(this.#request.buffer, this.#request.byteOffset, UPDATE_BYTES);
  readonly #metaOut = Buffer.alloc(META_BYTES);
  readonly #spaceOut = Buffer.alloc(SPACE_BYTES);
  readonly #locationOut = Buffer.alloc(LOCATION_BYTES);
  readonly #mappedOut = Buffer.alloc(MAPPED_BYTES);
  readonly #mappedOutView = new DataView(this.#mappedOut.buffer, this.#mappedOut.byteOffset, MAPPED_BYTES);
  /** Large reads are mapped (the engine is buffered with mapped reads on). */
  readonly #mappedReads: boolean;
  /** Group mappings wrapped so far, by address. */
  readonly #regions = new Map<number, MappedRegion>();
  readonly #stalePinMs: number;
  #inflight = 0;
  #idle: (() => void) | undefined;
  #closed = false;
  /** False from the moment fce_close is called: pins can no longer be given back (nor need to be). */
  #engineOpen = true;

  private constructor(lib: NativeLibrary, handle: number, options: NativeChunkStoreOptions) {
    this.#lib = lib;
    this.#hub = completionHub(lib);
    this.#handle = handle;
    this.targetId = options.targetId;
    this.path = options.path;
    this.#mappedReads = this.stats().mappedReads && externalViewsAllowed();
    this.#stalePinMs = options.stalePinMs ?? STALE_PIN_MS_DEFAULT;
  }

  /** Opens (replaying the log) or creates the engine in `options.path`; runs off the event loop. */
  static async open(options: NativeChunkStoreOptions): Promise<NativeChunkStore> {
    const lib = loadNativeLibrary();
    completionHub(lib);
    const path = Buffer.from(resolve(options.path));
    const encoded = encodeOptions(options.engine ?? {}, options.create ?? true);
    const handleOut = Buffer.alloc(8);
    const err = Buffer.alloc(ERR_CAP);
    const status = await new Promise<number>((done, fail) => {
      lib.fce_open.async(path, path.length, encoded, handleOut, err, ERR_CAP, (error, rc) => (error ? fail(error) : done(rc)));
    });
    if (status !== 0) throw nativeError(status, errorDetail(err));
    return new NativeChunkStore(lib, readU64(new DataView(handleOut.buffer, handleOut.byteOffset, 8), 0), options);
  }

  #fail(status: number): never {
    throw nativeError(status, errorDetail(this.#err));
  }

  #checkOpen(): void {
    if (this.#closed) throw new FlyerError('CHUNK_ENGINE_CLOSED', `chunk store of target ${this.targetId} is closed`);
  }

  /** Registers an operation, runs its submit call, and resolves with `decode` of its completion. */
  #submit<T>(submit: (tag: number) => number, decode: (view: DataView, at: number) => T, keep: unknown): Promise<T> {
    this.#checkOpen();
    return new Promise<T>((resolvePromise, reject) => {
      const tag = this.#hub.begin((view, at) => {
        this.#settled();
        const status = Completion.status(view, at);
        if (status === 0) resolvePromise(decode(view, at));
        else reject(nativeError(status, Completion.detail(view, at)));
      }, keep);
      this.#inflight++;
      let status: number;
      try {
        status = submit(tag);
      } catch (error) {
        // koffi refused an argument: no completion will come, so release the tag here.
        this.#hub.cancel(tag);
        this.#settled();
        reject(new FlyerError('INVALID_ARGUMENT', `chunk engine call rejected: ${(error as Error).message}`, { cause: error }));
        return;
      }
      if (status !== 0) {
        this.#hub.cancel(tag);
        this.#settled();
        reject(nativeError(status, errorDetail(this.#err)));
      }
    });
  }

  #settled(): void {
    this.#inflight--;
    if (this.#inflight === 0 && this.#idle) this.#idle();
  }

  /**
   * Large reads come back with `release`: on a buffered engine their payload is a view into the engine's
   * mapping of the data file, the chunk's slot pinned until `release` (so no later update, remove or
   * compaction reuses it while the bytes are being sent); otherwise it is a buffer lent from the
   * process's pool (read-pool.ts). Small ones land in slab memory. A whole-chunk read's payload carries
   * the chunk's CRC32C, which the engine has just checked the bytes against, so nobody needs to
   * checksum them again.
   */
  read(chunkId: ChunkId, offsetBytes: number, lengthBytes: number): Promise<ChunkReadResult> {
    try {
      countArg(lengthBytes, 'lengthBytes');
      if (lengthBytes >= POOLED_READ_MIN_BYTES && this.#mappedReads) return this.#readMapped(chunkId, offsetBytes, lengthBytes);
      if (lengthBytes < POOLED_READ_MIN_BYTES) {
        const dst = readBuffer(lengthBytes);
        return this.#read(chunkId, offsetBytes, dst, (meta) => ({ payload: readPayload(dst, offsetBytes, meta), meta }));
      }
      const lent = readBufferPool.take(lengthBytes);
      return this.#read(chunkId, offsetBytes, lent.bytes, (meta) => ({ payload: readPayload(lent.bytes, offsetBytes, meta), meta, release: lent.release }))
        .catch((error: unknown) => {
          // The engine has finished with the buffer once it reports, failure or not.
          lent.release();
          throw error;
        });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A mapped read: the engine returns the bytes' address at once and completes once a pool thread has
   * faulted them in and verified them (so a cold page never blocks the event loop). The view made then
   * is valid until its pin is released; a failed read has unpinned itself already.
   */
  #readMapped(chunkId: ChunkId, offsetBytes: number, lengthBytes: number): Promise<ChunkReadResult> {
    const id = idArg(chunkId);
    countArg(offsetBytes, 'offsetBytes');
    let address = 0;
    let token = 0n;
    let regionAddress = 0;
    let regionBytes = 0;
    return this.#submit(
      (tag) => {
        const status = this.#lib.fce_read_mapped(this.#handle, tag, id, id.length, offsetBytes, lengthBytes, this.#mappedOut, this.#err, ERR_CAP);
        if (status === 0) {
          const out = this.#mappedOutView;
          address = readU64(out, 0);
          token = out.getBigUint64(8, true);
          regionAddress = readU64(out, 16);
          regionBytes = readU64(out, 24);
        }
        return status;
      },
      (view, at) => {
        const meta = metaWithId(view, at + COMPLETION_META_OFFSET, id);
        const now = performance.now();
        const offsetInRegion = address - regionAddress;
        const segment = this.#segment(regionAddress, regionBytes, offsetInRegion, lengthBytes, now);
        const pin: MappedPin = { token, takenMs: now, released: false };
        // The release closure holds the pin set, not the segment: it must not keep the buffer alive.
        const pins = segment.pins;
        pins.add(pin);
        const release = (): void => {
          if (pin.released) return;
          pins.delete(pin);
          this.#releasePin(pin, true);
        };
        const bytes = Buffer.from(segment.view, offsetInRegion - segment.start, lengthBytes);
        return { payload: readPayload(bytes, offsetBytes, meta), meta, release };
      },
      undefined,
    );
  }

  /** The segment of a group mapping that holds [offset, offset + length), wrapping what is new. */
  #segment(regionAddress: number, mappedBytes: number, offset: number, length: number, nowMs: number): MappedSegment {
    let region = this.#regions.get(regionAddress);
    if (region === undefined) {
      region = { segments: [], wrappedBytes: 0 };
      this.#regions.set(regionAddress, region);
    }
    if (region.wrappedBytes < mappedBytes) {
      region.segments.push(this.#wrap(regionAddress, region.wrappedBytes, mappedBytes - region.wrappedBytes));
      region.wrappedBytes = mappedBytes;
    }
    const segments = region.segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    let segment = segments[lo]!;
    if (offset + length > segment.start + segment.view.byteLength) {
      // Across an extension (only if the file grew by less than a slot): a buffer of its own.
      return this.#wrap(regionAddress, offset, length);
    }
    const oldest = segment.pins.values().next();
    if (oldest.done !== true && nowMs - oldest.value.takenMs > this.#stalePinMs) {
      segment = this.#wrap(regionAddress, segment.start, segment.view.byteLength);
      segments[lo] = segment;
    }
    return segment;
  }

  #wrap(regionAddress: number, start: number, length: number): MappedSegment {
    const segment: MappedSegment = { start, view: koffi.view(regionAddress + start, length), pins: new Set() };
    NativeChunkStore.#segmentViews.register(segment.view, { store: this, pins: segment.pins });
    return segment;
  }

  /**
   * Gives a mapped read's pin back, once. After the engine closed there is nothing to give back: it
   * left its mappings in place for views still held. `strict`: an engine refusal is raised (a bug).
   */
  #releasePin(pin: MappedPin, strict: boolean): void {
    if (pin.released) return;
    pin.released = true;
    if (!this.#engineOpen) return;
    const status = this.#lib.fce_unpin(this.#handle, pin.token, this.#err, ERR_CAP);
    if (status !== 0 && strict) this.#fail(status);
  }

  /**
   * Reads [offset, offset + dst.length) of the committed version into the caller's `dst`, which must
   * not be touched until the promise settles. For callers with their own buffer pool (3FS's storage
   * service reads into pooled RDMA buffers): reused memory needs no page faults, and a 4 KiB-aligned
   * `dst` is read into directly.
   */
  readInto(chunkId: ChunkId, offsetBytes: number, dst: Uint8Array): Promise<ChunkMeta> {
    try {
      return this.#read(chunkId, offsetBytes, dst, (meta) => meta);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #read<T>(chunkId: ChunkId, offsetBytes: number, dst: Uint8Array, result: (meta: ChunkMeta) => T): Promise<T> {
    const id = idArg(chunkId);
    countArg(offsetBytes, 'offsetBytes');
    if (!(dst instanceof Uint8Array)) throw new FlyerError('INVALID_ARGUMENT', 'read destination must be a Uint8Array');
    return this.#submit(
      (tag) => this.#lib.fce_read(this.#handle, tag, id, id.length, offsetBytes, dst.length, dst, this.#err, ERR_CAP),
      // The meta's chunkId is the caller's own id object (not decoded again: this is the hot path).
      (view, at) => result(metaWithId(view, at + COMPLETION_META_OFFSET, id)),
      dst,
    );
  }

  update(request: ChunkUpdateRequest): Promise<ChunkMeta> {
    try {
      const id = idArg(request.chunkId);
      const u = request.update;
      let data: Uint8Array = EMPTY;
      let offsetBytes = 0;
      let lengthBytes = 0;
      let checksum: number | undefined;
      let checksumVerified = false;
      switch (u.kind) {
        case 'write':
          offsetBytes = countArg(u.offsetBytes, 'offsetBytes');
          data = materialize(u.payload);
          checksum = u.checksum;
          // A payload received over RPC knows the CRC32C its transport computed over these very bytes as
          // they arrived (frame-decoder.ts): when it is the write's checksum, the payload is verified and
          // the engine need not read it again.
          checksumVerified = checksum !== undefined && u.payload instanceof RealPayload && u.payload.knownCrc32c === checksum >>> 0;
          break;
        case 'replace':
          data = materialize(u.payload);
          break;
        case 'truncate':
          lengthBytes = countArg(u.lengthBytes, 'lengthBytes');
          break;
        case 'remove':
          break;
        default:
          throw new FlyerError('INVALID_ARGUMENT', `unknown update kind ${(u as { kind: unknown }).kind}`);
      }
      encodeUpdate(this.#requestView, {
        chunkId: id,
        kind: UpdateKindCode[u.kind],
        updateVersion: countArg(request.updateVersion, 'updateVersion', U32_MAX),
        chainVersion: countArg(request.chainVersion, 'chainVersion', U32_MAX),
        checksum: checksum === undefined ? undefined : countArg(checksum >>> 0, 'checksum', U32_MAX),
        checksumVerified,
        offsetBytes,
        lengthBytes,
        chunkSizeBytes: countArg(request.chunkSizeBytes, 'chunkSizeBytes'),
      });
      return this.#submit(
        (tag) => this.#lib.fce_update(this.#handle, tag, this.#request, data, data.length, this.#err, ERR_CAP),
        (view, at) => toChunkMeta(Completion.meta(view, at)),
        data,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  commit(chunkId: ChunkId, updateVersion: number, chainVersion: number): Promise<ChunkMeta> {
    try {
      const id = idArg(chunkId);
      countArg(updateVersion, 'updateVersion', U32_MAX);
      countArg(chainVersion, 'chainVersion', U32_MAX);
      return this.#submit(
        (tag) => this.#lib.fce_commit(this.#handle, tag, id, id.length, updateVersion, chainVersion, this.#err, ERR_CAP),
        (view, at) => toChunkMeta(Completion.meta(view, at)),
        undefined,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  meta(chunkId: ChunkId): Promise<ChunkMeta | undefined> {
    try {
      this.#checkOpen();
      const id = idArg(chunkId);
      const status = this.#lib.fce_meta(this.#handle, id, id.length, this.#metaOut, this.#err, ERR_CAP);
      if (status === NOT_FOUND) return Promise.resolve(undefined);
      if (status !== 0) this.#fail(status);
      return Promise.resolve(toChunkMeta(decodeMeta(new DataView(this.#metaOut.buffer, this.#metaOut.byteOffset, META_BYTES), 0)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Metadata in id order over [begin, end), paged through the engine LIST_PAGE at a time. */
  list(begin: ChunkId, end: ChunkId, limit: number): Promise<ChunkMeta[]> {
    try {
      this.#checkOpen();
      let from: Uint8Array | undefined = idArg(begin, 'begin');
      const to = idArg(end, 'end');
      countArg(limit, 'limit');
      const out: ChunkMeta[] = [];
      const page = Buffer.alloc(Math.min(limit, LIST_PAGE) * META_BYTES);
      const pageView = new DataView(page.buffer, page.byteOffset, page.byteLength);
      const countOut = Buffer.alloc(4);
      while (from !== undefined && out.length < limit) {
        const want = Math.min(limit - out.length, LIST_PAGE);
        const status = this.#lib.fce_list(this.#handle, from, 16, to, 16, want, page, want, countOut, this.#err, ERR_CAP);
        if (status !== 0) this.#fail(status);
        const n = countOut.readUInt32LE(0);
        for (let i = 0; i < n; i++) out.push(toChunkMeta(decodeMeta(pageView, i * META_BYTES)));
        if (n < want) break;
        from = nextId(out[out.length - 1]!.chunkId);
      }
      return Promise.resolve(out);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The chunk with the largest id in [begin, end), if any (3FS queryLastChunk). */
  lastChunk(begin: ChunkId, end: ChunkId): Promise<ChunkMeta | undefined> {
    try {
      this.#checkOpen();
      const from = idArg(begin, 'begin');
      const to = idArg(end, 'end');
      const status = this.#lib.fce_last(this.#handle, from, 16, to, 16, this.#metaOut, this.#err, ERR_CAP);
      if (status === NOT_FOUND) return Promise.resolve(undefined);
      if (status !== 0) this.#fail(status);
      return Promise.resolve(toChunkMeta(decodeMeta(new DataView(this.#metaOut.buffer, this.#metaOut.byteOffset, META_BYTES), 0)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  removeRange(begin: ChunkId, end: ChunkId, limit: number): Promise<number> {
    try {
      const from = idArg(begin, 'begin');
      const to = idArg(end, 'end');
      countArg(limit, 'limit', U32_MAX);
      return this.#submit(
        (tag) => this.#lib.fce_remove_range(this.#handle, tag, from, 16, to, 16, limit, this.#err, ERR_CAP),
        (view, at) => Completion.value(view, at),
        undefined,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Moves live chunks out of sparse groups so whole groups can be given back; resolves to the moves made. */
  compact(maxMoves = 1024): Promise<number> {
    try {
      countArg(maxMoves, 'maxMoves', U32_MAX);
      return this.#submit(
        (tag) => this.#lib.fce_compact(this.#handle, tag, maxMoves, this.#err, ERR_CAP),
        (view, at) => Completion.value(view, at),
        undefined,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Every engine counter: space, slots, pins, checkpoints, flags. Synchronous and cheap. */
  stats(): EngineStats {
    this.#checkOpen();
    const status = this.#lib.fce_space(this.#handle, this.#spaceOut, this.#err, ERR_CAP);
    if (status !== 0) this.#fail(status);
    return decodeSpace(new DataView(this.#spaceOut.buffer, this.#spaceOut.byteOffset, SPACE_BYTES));
  }

  spaceInfo(): Promise<SpaceInfo> {
    try {
      const s = this.stats();
      return Promise.resolve({ capacityBytes: s.capacityBytes, usedBytes: s.usedBytes, freeBytes: s.freeBytes, lowSpace: s.lowSpace });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Pins the committed version of a chunk and returns the buffered fd and byte offset of its bytes, for
   * callers that do their own I/O (node:fs). Call `unpin(location.pinToken)` when done.
   */
  locate(chunkId: ChunkId): ChunkLocation {
    this.#checkOpen();
    const id = idArg(chunkId);
    const status = this.#lib.fce_locate(this.#handle, id, id.length, this.#locationOut, this.#err, ERR_CAP);
    if (status !== 0) this.#fail(status);
    return decodeLocation(new DataView(this.#locationOut.buffer, this.#locationOut.byteOffset, LOCATION_BYTES));
  }

  unpin(pinToken: bigint): void {
    this.#checkOpen();
    const status = this.#lib.fce_unpin(this.#handle, pinToken, this.#err, ERR_CAP);
    if (status !== 0) this.#fail(status);
  }

  /** Waits for this store's operations, then flushes the log, checkpoints and releases the directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inflight > 0) await new Promise<void>((done) => (this.#idle = done));
    this.#engineOpen = false;
    this.#regions.clear();
    const err = Buffer.alloc(ERR_CAP);
    const status = await new Promise<number>((done, fail) => {
      this.#lib.fce_close.async(this.#handle, err, ERR_CAP, (error, rc) => (error ? fail(error) : done(rc)));
    });
    if (status !== 0) throw nativeError(status, errorDetail(err));
  }
}
