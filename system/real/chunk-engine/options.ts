/** Engine tuning for real mode, with the defaults the Rust side also uses (engine/mod.rs Options). */
import { FlyerError } from '../../env/errors.ts';
import { OPTIONS_BYTES, writeU64 } from './layout.ts';

export type VerifyReads = 'never' | 'whole-chunk' | 'always';

export interface NativeEngineOptions {
  /** Limit on the bytes the engine reserves; 0 or absent: the file system's capacity. */
  readonly capacityBytes?: number;
  /** O_DIRECT with 4 KiB-aligned buffers (default true); false: buffered I/O through the page cache. */
  readonly directIo?: boolean;
  /**
   * Checksum checks on read. 'always' (default) reads the whole chunk even for a partial read so data
   * that fails its CRC32C is never returned; 'whole-chunk' checks only reads of the whole chunk;
   * 'never' trusts the disk (for benchmarks against fio).
   */
  readonly verifyReads?: VerifyReads;
  readonly readOnly?: boolean;
  /** fdatasync data before logging versions that point at it (power-loss safety; default true). */
  readonly syncData?: boolean;
  /** Checkpoint when the WAL segment passes this size (default 64 MiB). */
  readonly checkpointBytes?: number;
  /** How far ahead the WAL file is zero-filled (default 4 MiB). */
  readonly walExtendBytes?: number;
  /** fallocate granularity when a slot without reserved space is taken (default 16 MiB). */
  readonly reserveBytes?: number;
  /** Used fraction at which spaceInfo().lowSpace turns on (default 0.96). */
  readonly lowSpaceRatio?: number;
  /** Used fraction at which new chunks are refused with CHUNK_NO_SPACE (default 0.98). */
  readonly rejectCreateRatio?: number;
  /** I/O threads for writes and blocking reads (default 64, one pool per process). */
  readonly ioThreads?: number;
  /**
   * How reads reach the disk: 'io_uring' (default; falls back to threads where the kernel refuses it)
   * or 'threads' (blocking pread on the pool, one thread per in-flight read).
   */
  readonly ioBackend?: 'io_uring' | 'threads';
  /**
   * Buffered engines only (ignored with O_DIRECT): large reads hand out a view straight into the
   * engine's read-only mapping of its data files instead of copying the bytes into a read buffer, so
   * sending them copies once, from the page cache (default true). The chunk's slot stays pinned until
   * the read's `release`.
   */
  readonly mappedReads?: boolean;
}

const VERIFY_CODES: Record<VerifyReads, number> = { never: 0, 'whole-chunk': 1, always: 2 };

function count(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) throw new FlyerError('INVALID_ARGUMENT', `${name} must be a non-negative integer, got ${value}`);
  return value;
}

function ratio(value: number | undefined, fallback: number, name: string): number {
  const r = value ?? fallback;
  if (!(r > 0 && r <= 1)) throw new FlyerError('INVALID_ARGUMENT', `${name} must be in (0, 1], got ${r}`);
  return r;
}

export function encodeOptions(options: NativeEngineOptions, create: boolean): Buffer {
  const buf = Buffer.alloc(OPTIONS_BYTES);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  writeU64(view, 0, count(options.capacityBytes, 'capacityBytes'));
  writeU64(view, 8, count(options.checkpointBytes, 'checkpointBytes'));
  writeU64(view, 16, count(options.walExtendBytes, 'walExtendBytes'));
  writeU64(view, 24, count(options.reserveBytes, 'reserveBytes'));
  view.setFloat64(32, ratio(options.lowSpaceRatio, 0.96, 'lowSpaceRatio'), true);
  view.setFloat64(40, ratio(options.rejectCreateRatio, 0.98, 'rejectCreateRatio'), true);
  view.setUint32(48, count(options.ioThreads, 'ioThreads'), true);
  view.setUint8(52, options.directIo === false ? 0 : 1);
  const verify = VERIFY_CODES[options.verifyReads ?? 'always'];
  if (verify === undefined) throw new FlyerError('INVALID_ARGUMENT', `verifyReads must be never, whole-chunk or always`);
  view.setUint8(53, verify);
  view.setUint8(54, options.readOnly === true ? 1 : 0);
  view.setUint8(55, create ? 1 : 0);
  view.setUint8(56, options.syncData === false ? 0 : 1);
  view.setUint8(57, options.ioBackend === 'threads' ? 1 : 0);
  view.setUint8(58, options.mappedReads === false ? 0 : 1);
  return buf;
}
