/**
 * The chunk store interface a storage target stands on: the native Rust engine implements it in real
 * mode, a simulated store in SimEnv. Semantics follow 3FS's Rust chunk engine: one committed version on
 * disk plus at most one pending version; reads only ever see the committed one.
 */
import type { Payload } from './payload.ts';

/** 16 bytes, laid out as 3FS does (inode id, track, chunk index; big-endian so ids sort by file). */
export type ChunkId = Uint8Array;

export interface ChunkStoreOptions {
  readonly targetId: number;
  /** Directory (real) or disk prefix (sim) of the target. */
  readonly path: string;
  readonly create?: boolean;
}

export interface ChunkMeta {
  readonly chunkId: ChunkId;
  readonly lengthBytes: number;
  readonly commitVersion: number;
  /** commitVersion + 1 while a pending version exists, else equal to commitVersion. */
  readonly updateVersion: number;
  readonly chainVersion: number;
  readonly crc32c: number;
}

export type ChunkUpdate =
  | { readonly kind: 'write'; readonly offsetBytes: number; readonly payload: Payload; readonly checksum?: number }
  | { readonly kind: 'replace'; readonly payload: Payload }
  | { readonly kind: 'truncate'; readonly lengthBytes: number }
  | { readonly kind: 'remove' };

export interface ChunkUpdateRequest {
  readonly chunkId: ChunkId;
  readonly update: ChunkUpdate;
  /** Version the pending copy will carry: committed + 1 (0 lets the store choose). */
  readonly updateVersion: number;
  readonly chainVersion: number;
  /** Largest size this chunk may have, which picks its size class. */
  readonly chunkSizeBytes: number;
}

export interface ChunkReadResult {
  readonly payload: Payload;
  readonly meta: ChunkMeta;
  /**
   * Present when the payload's bytes are lent from the store's buffer pool (the native engine's large
   * reads): call it once nothing will read them again, e.g. when the reply carrying them has been
   * written, and the buffer serves a later read with no allocation (and no garbage collection). Never
   * calling it is safe, the buffer is then simply collected; calling it while the bytes are still in
   * use is not. Calls after the first do nothing.
   */
  readonly release?: () => void;
}

export interface SpaceInfo {
  readonly capacityBytes: number;
  readonly usedBytes: number;
  readonly freeBytes: number;
  readonly lowSpace: boolean;
}

export interface ChunkStore {
  read(chunkId: ChunkId, offsetBytes: number, lengthBytes: number): Promise<ChunkReadResult>;
  /** Writes a pending version; the committed one stays readable until commit. */
  update(request: ChunkUpdateRequest): Promise<ChunkMeta>;
  /** Makes the pending version `updateVersion` the committed one, atomically. */
  commit(chunkId: ChunkId, updateVersion: number, chainVersion: number): Promise<ChunkMeta>;
  meta(chunkId: ChunkId): Promise<ChunkMeta | undefined>;
  /** Chunk metadata in id order within [begin, end), at most `limit` entries (for resync diffs). */
  list(begin: ChunkId, end: ChunkId, limit: number): Promise<ChunkMeta[]>;
  removeRange(begin: ChunkId, end: ChunkId, limit: number): Promise<number>;
  spaceInfo(): Promise<SpaceInfo>;
  close(): Promise<void>;
}
