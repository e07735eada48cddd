/**
 * Byte layouts of the structs shared with the Rust engine (system/native/chunk-engine/src/ffi_types.rs
 * and io/completion.rs). Plain DataView reads and writes at fixed offsets: cheaper than koffi struct
 * marshalling on the hot path, and `checkLayout` compares the sizes with the library's at load time.
 */
import { FlyerError } from '../../env/errors.ts';
import type { ChunkMeta } from '../../env/chunk-store.ts';

export const ID_BYTES = 16;
export const OPTIONS_BYTES = 64;
export const META_BYTES = 40;
export const COMPLETION_BYTES = 192;
export const UPDATE_BYTES = 64;
export const SPACE_BYTES = 160;
export const LOCATION_BYTES = 40;
export const MAPPED_BYTES = 32;

/** Struct kinds as numbered by `fce_layout`. */
export const LAYOUT_SIZES: readonly (readonly [kind: number, name: string, bytes: number])[] = [
  [0, 'options', OPTIONS_BYTES],
  [1, 'meta', META_BYTES],
  [2, 'completion', COMPLETION_BYTES],
  [3, 'update', UPDATE_BYTES],
  [4, 'space', SPACE_BYTES],
  [5, 'location', LOCATION_BYTES],
  [6, 'mapped', MAPPED_BYTES],
];

export function checkLayout(sizeOf: (kind: number) => number): void {
  for (const [kind, name, bytes] of LAYOUT_SIZES) {
    const native = sizeOf(kind);
    if (native !== bytes) {
      throw new FlyerError('CHUNK_ENGINE_UNAVAILABLE', `struct ${name} is ${native} bytes in the library but ${bytes} in layout.ts: rebuild it`);
    }
  }
}

export const META_HAS_COMMITTED = 1;
export const META_HAS_PENDING = 2;
export const META_PENDING_REMOVE = 4;
export const META_REMOVED = 8;

/** 8-byte little-endian integer as a number (all engine values stay below 2^53). */
export function readU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 4294967296;
}

export function writeU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 4294967296, true);
  view.setUint32(at + 4, Math.floor(value / 4294967296), true);
}

export interface DecodedMeta extends ChunkMeta {
  readonly flags: number;
}

export function decodeMeta(view: DataView, at: number): DecodedMeta {
  const chunkId = new Uint8Array(ID_BYTES);
  chunkId.set(new Uint8Array(view.buffer, view.byteOffset + at, ID_BYTES));
  return {
    chunkId,
    lengthBytes: view.getUint32(at + 16, true),
    commitVersion: view.getUint32(at + 20, true),
    updateVersion: view.getUint32(at + 24, true),
    chainVersion: view.getUint32(at + 28, true),
    crc32c: view.getUint32(at + 32, true),
    flags: view.getUint32(at + 36, true),
  };
}

/** Drops the engine-only `flags` so callers get exactly a ChunkMeta (no object spread: this is hot). */
export function toChunkMeta(meta: DecodedMeta): ChunkMeta {
  return {
    chunkId: meta.chunkId,
    lengthBytes: meta.lengthBytes,
    commitVersion: meta.commitVersion,
    updateVersion: meta.updateVersion,
    chainVersion: meta.chainVersion,
    crc32c: meta.crc32c,
  };
}

/** A completion's meta for a chunk whose id the caller already holds (reads): no id decode. */
export function metaWithId(view: DataView, at: number, chunkId: Uint8Array): ChunkMeta {
  return {
    chunkId,
    lengthBytes: view.getUint32(at + 16, true),
    commitVersion: view.getUint32(at + 20, true),
    updateVersion: view.getUint32(at + 24, true),
    chainVersion: view.getUint32(at + 28, true),
    crc32c: view.getUint32(at + 32, true),
  };
}

/** Where a completion record's meta starts. */
export const COMPLETION_META_OFFSET = 24;

export const Completion = {
  tag: (view: DataView, at: number): number => readU64(view, at),
  status: (view: DataView, at: number): number => view.getInt32(at + 8, true),
  value: (view: DataView, at: number): number => readU64(view, at + 16),
  meta: (view: DataView, at: number): DecodedMeta => decodeMeta(view, at + COMPLETION_META_OFFSET),
  detail: (view: DataView, at: number): string => {
    const len = view.getUint32(at + 64, true);
    return Buffer.from(view.buffer, view.byteOffset + at + 72, Math.min(len, 120)).toString('utf8');
  },
};

export const UpdateKindCode = { write: 0, replace: 1, truncate: 2, remove: 3 } as const;

export interface EncodedUpdate {
  readonly chunkId: Uint8Array;
  readonly kind: number;
  readonly updateVersion: number;
  readonly chainVersion: number;
  readonly checksum: number | undefined;
  /** `checksum` was computed over the payload's very bytes already: the engine uses it as is. */
  readonly checksumVerified?: boolean;
  readonly offsetBytes: number;
  readonly lengthBytes: number;
  readonly chunkSizeBytes: number;
}

/** FceUpdate.has_checksum (ffi_types.rs): verify the payload against the checksum, or take it as verified. */
const CHECKSUM_TO_CHECK = 1;
const CHECKSUM_VERIFIED = 2;

export function encodeUpdate(view: DataView, u: EncodedUpdate): void {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, UPDATE_BYTES);
  bytes.fill(0);
  bytes.set(u.chunkId.subarray(0, ID_BYTES), 0);
  view.setUint32(16, u.kind, true);
  view.setUint32(20, u.updateVersion, true);
  view.setUint32(24, u.chainVersion, true);
  view.setUint32(28, u.checksum === undefined ? 0 : u.checksumVerified === true ? CHECKSUM_VERIFIED : CHECKSUM_TO_CHECK, true);
  writeU64(view, 32, u.offsetBytes);
  writeU64(view, 40, u.lengthBytes);
  writeU64(view, 48, u.chunkSizeBytes);
  view.setUint32(56, (u.checksum ?? 0) >>> 0, true);
}

export const SPACE_FIELDS = [
  'capacityBytes', 'usedBytes', 'freeBytes', 'reservedBytes', 'usedSlotBytes', 'dataBytes', 'chunkCount', 'usedSlots',
  'referencedSlots', 'pinnedSlots', 'pendingVersions', 'inflightOps', 'groupCount', 'punchFailures', 'checkpoints',
  'walBytes', 'ioThreads', 'flags',
] as const;

export type EngineStats = { readonly [K in (typeof SPACE_FIELDS)[number]]: number } & {
  readonly lowSpace: boolean;
  readonly directIo: boolean;
  readonly hardwareCrc: boolean;
  readonly failed: boolean;
  readonly readOnly: boolean;
  readonly ioUring: boolean;
  /** Large reads are served as views into the engine's mapping of its data files (buffered engines). */
  readonly mappedReads: boolean;
};

export function decodeSpace(view: DataView): EngineStats {
  const out: Record<string, number | boolean> = {};
  SPACE_FIELDS.forEach((name, i) => {
    out[name] = readU64(view, i * 8);
  });
  const flags = out.flags as number;
  out.lowSpace = (flags & 1) !== 0;
  out.directIo = (flags & 2) !== 0;
  out.hardwareCrc = (flags & 4) !== 0;
  out.failed = (flags & 8) !== 0;
  out.readOnly = (flags & 16) !== 0;
  out.ioUring = (flags & 32) !== 0;
  out.mappedReads = (flags & 64) !== 0;
  return out as EngineStats;
}

export interface ChunkLocation {
  readonly fd: number;
  readonly offsetBytes: number;
  readonly lengthBytes: number;
  readonly crc32c: number;
  readonly pinToken: bigint;
}

export function decodeLocation(view: DataView): ChunkLocation {
  return {
    fd: readU64(view, 0),
    offsetBytes: readU64(view, 8),
    lengthBytes: readU64(view, 16),
    crc32c: readU64(view, 24),
    pinToken: view.getBigUint64(32, true),
  };
}
