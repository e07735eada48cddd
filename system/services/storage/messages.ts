import type { ChunkMeta } from '../../env/chunk-store.ts';
import type { Payload } from '../../env/payload.ts';
import { defineMethod, type BulkRegionRef } from '../../env/types.ts';
import type { ChainId, TargetId } from '../mgmtd/types.ts';

/** Service id 3, as 3FS numbers its storage service; 10 is the client-side RDMA control (request-to-send). */
export const STORAGE_SERVICE_ID = 3;
export const RDMA_CONTROL_SERVICE_ID = 10;

/** Which chunk on which chain, and the chain version the sender routed by (chain-version fencing). */
export interface ChunkKey {
  readonly chainId: ChainId;
  readonly chainVersion: number;
  /** 32 hex digits (see common/chunk-key.ts). */
  readonly chunkId: string;
}

export type UpdateKind = 'write' | 'truncate' | 'remove' | 'replace';

/** Exactly-once tag: per (client, chain, channel) the storage service remembers the last seq and its result. */
export interface UpdateTag {
  readonly clientId: string;
  readonly channelId: number;
  readonly seq: number;
}

/** A client's write to the head of a chain. */
export interface WriteRequest {
  readonly key: ChunkKey;
  readonly kind: UpdateKind;
  readonly offsetBytes: number;
  /** Write and replace payload; truncate uses `lengthBytes`. */
  readonly payload?: Payload;
  readonly lengthBytes?: number;
  readonly chunkSizeBytes: number;
  /** CRC32C of the payload's bytes (real payloads); verified before anything is applied. */
  readonly checksum?: number;
  readonly tag: UpdateTag;
}

/** The same update forwarded down the chain, carrying the version the head chose. */
export interface ForwardRequest extends WriteRequest {
  readonly updateVersion: number;
  readonly fromTargetId: TargetId;
  /** True when the successor is SYNCING and gets the whole chunk instead of a partial update. */
  readonly syncing: boolean;
}

export interface IoResult {
  readonly lengthBytes: number;
  readonly commitVersion: number;
  readonly updateVersion: number;
  readonly crc32c: number;
  readonly commitChainVersion: number;
}

export interface ReadIo {
  readonly key: ChunkKey;
  readonly offsetBytes: number;
  readonly lengthBytes: number;
}

export interface BatchReadRequest {
  readonly ios: readonly ReadIo[];
  /** Where to push the data (RDMA WRITE analogue); absent: the data comes back inline in the reply. */
  readonly region?: BulkRegionRef;
  /** Byte offset in `region` for each io, when a region is given. */
  readonly regionOffsets?: readonly number[];
  /** Ask the client for a transmission token before pushing the data (request-to-send). */
  readonly requestToSend?: boolean;
  readonly requestId: number;
}

export type ReadOutcome =
  | { readonly ok: true; readonly lengthBytes: number; readonly commitVersion: number; readonly crc32c: number; readonly payload?: Payload }
  | { readonly ok: false; readonly code: string; readonly detail: string };

export interface BatchReadResponse {
  readonly results: readonly ReadOutcome[];
}

export interface SyncStartRequest {
  readonly chainId: ChainId;
  readonly chainVersion: number;
  readonly targetId: TargetId;
}

export interface SyncStartResponse {
  readonly metas: readonly WireChunkMeta[];
}

export interface WireChunkMeta {
  readonly chunkId: string;
  readonly lengthBytes: number;
  readonly commitVersion: number;
  readonly updateVersion: number;
  readonly chainVersion: number;
  readonly crc32c: number;
}

export interface TransmissionRequest {
  readonly requestId: number;
}

export function toWireMeta(meta: ChunkMeta, chunkId: string): WireChunkMeta {
  return {
    chunkId,
    lengthBytes: meta.lengthBytes,
    commitVersion: meta.commitVersion,
    updateVersion: meta.updateVersion,
    chainVersion: meta.chainVersion,
    crc32c: meta.crc32c,
  };
}

export const storageBatchRead = defineMethod<BatchReadRequest, BatchReadResponse>(STORAGE_SERVICE_ID, 1, 'storage.batchRead');
export const storageWrite = defineMethod<WriteRequest, IoResult>(STORAGE_SERVICE_ID, 2, 'storage.write');
export const storageUpdate = defineMethod<ForwardRequest, IoResult>(STORAGE_SERVICE_ID, 3, 'storage.update');
export const storageSyncStart = defineMethod<SyncStartRequest, SyncStartResponse>(STORAGE_SERVICE_ID, 8, 'storage.syncStart');
export const storageSyncDone = defineMethod<SyncStartRequest, { readonly ok: true }>(STORAGE_SERVICE_ID, 9, 'storage.syncDone');
export const storageGetAllChunkMetadata = defineMethod<{ readonly targetId: TargetId }, SyncStartResponse>(STORAGE_SERVICE_ID, 13, 'storage.getAllChunkMetadata');
export const rdmaControlApply = defineMethod<TransmissionRequest, { readonly granted: true }>(RDMA_CONTROL_SERVICE_ID, 1, 'rdmaControl.apply');
