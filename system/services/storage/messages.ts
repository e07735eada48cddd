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
  /** Resync only: the sender's update-ledger entries for this chunk, which replace the receiver's (update-ledger.ts). */
  readonly ledger?: readonly LedgerEntryWire[];
}

/** One client update a chunk holds, as the update ledger records it: channel, seq, and the version it became. */
export interface LedgerEntryWire {
  readonly clientId: string;
  readonly channelId: number;
  readonly seq: number;
  readonly updateVersion: number;
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

// Chunk range queries and space reports (3fs-notes §1.3 "Other storage RPCs"). Removes and truncates
// are chain updates and go through storage.write (kinds 'remove' and 'truncate'); storage.listChunks
// finds the chunks a range remove must remove.

/** A half-open range of chunk ids [begin, end), each 32 hex digits (3FS ChunkIdRange). */
export interface ChunkIdRange {
  readonly begin: string;
  readonly end: string;
}

export interface ChunkRangeRequest {
  readonly chainId: ChainId;
  /** The chain version the sender routed by (fenced as reads and writes are). */
  readonly chainVersion: number;
  readonly range: ChunkIdRange;
  /** Chunks to look at in this call (3FS maxNumChunkIdsToProcess), at least 1; the service caps it. */
  readonly maxChunks: number;
}

export interface LastChunk {
  readonly chunkId: string;
  /** Committed length. */
  readonly lengthBytes: number;
  readonly commitVersion: number;
}

/** What one call found in the part of the range it looked at; committed chunks only. */
export interface QueryLastChunkResponse {
  /** The committed chunk with the largest id, if any. */
  readonly lastChunk?: LastChunk;
  readonly chunkCount: number;
  readonly totalLengthBytes: number;
  /** True when the range holds chunks past the part looked at; ask again from `resumeFrom`. */
  readonly more: boolean;
  readonly resumeFrom?: string;
}

export interface ListChunksResponse {
  /** Every chunk of the looked-at part, committed or with only a pending version, in id order. */
  readonly chunks: readonly WireChunkMeta[];
  readonly more: boolean;
  readonly resumeFrom?: string;
}

export interface SpaceInfoRequest {
  /** The local targets to report; absent: all of them. */
  readonly targetIds?: readonly TargetId[];
}

export type TargetSpace =
  | { readonly targetId: TargetId; readonly ok: true; readonly capacityBytes: number; readonly usedBytes: number; readonly freeBytes: number; readonly lowSpace: boolean }
  | { readonly targetId: TargetId; readonly ok: false; readonly code: string; readonly detail: string };

export interface SpaceInfoResponse {
  readonly targets: readonly TargetSpace[];
}

export const storageQueryLastChunk = defineMethod<ChunkRangeRequest, QueryLastChunkResponse>(STORAGE_SERVICE_ID, 5, 'storage.queryLastChunk');
export const storageSpaceInfo = defineMethod<SpaceInfoRequest, SpaceInfoResponse>(STORAGE_SERVICE_ID, 10, 'storage.spaceInfo');
export const storageListChunks = defineMethod<ChunkRangeRequest, ListChunksResponse>(STORAGE_SERVICE_ID, 14, 'storage.listChunks');
