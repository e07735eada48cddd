/**
 * Shape checks of every storage request, before anything looks at state: a malformed request gets
 * FLYER_ERR_INVALID_ARGUMENT (or a more specific coded error) and the service goes on serving.
 */
import type { ChunkId, ChunkUpdate } from '../../env/chunk-store.ts';
import { FlyerError } from '../../env/errors.ts';
import { isPayload } from '../../env/payload.ts';
import { chunkIdFromHex } from '../common/chunk-key.ts';
import type { BatchReadRequest, ChunkKey, ForwardRequest, SyncStartRequest, WriteRequest } from './messages.ts';

/** 64 MiB, the largest chunk 3FS's engines take. */
export const CHUNK_SIZE_BYTES_MAX = 64 * 2 ** 20;
const U32_MAX = 0xffff_ffff;
const CLIENT_ID_CHARS_MAX = 256;

function fail(detail: string): never {
  throw new FlyerError('INVALID_ARGUMENT', detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function checkCount(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) fail(`${name} must be an integer in [0, ${max}], got ${String(value)}`);
  return value;
}

/** Checks a chunk key and returns the chunk id bytes. */
export function checkChunkKey(key: unknown): ChunkId {
  if (!isObject(key)) fail('a request needs a chunk key');
  checkCount(key.chainId, 'key.chainId', U32_MAX);
  checkCount(key.chainVersion, 'key.chainVersion', U32_MAX);
  return chunkIdFromHex(key.chunkId as string);
}

/** Checks a client write; returns the chunk id and the update as the chunk store takes it. */
export function checkWriteRequest(request: unknown): { chunkId: ChunkId; update: ChunkUpdate } {
  if (!isObject(request)) fail('a write needs a request object');
  const chunkId = checkChunkKey(request.key);
  const tag = request.tag;
  if (!isObject(tag) || typeof tag.clientId !== 'string' || tag.clientId.length === 0 || tag.clientId.length > CLIENT_ID_CHARS_MAX) {
    fail('a write needs a tag with a clientId');
  }
  checkCount(tag.channelId, 'tag.channelId', U32_MAX);
  checkCount(tag.seq, 'tag.seq');
  const chunkSizeBytes = checkCount(request.chunkSizeBytes, 'chunkSizeBytes');
  if (chunkSizeBytes === 0) fail('chunkSizeBytes must be positive');
  if (chunkSizeBytes > CHUNK_SIZE_BYTES_MAX) throw new FlyerError('CHUNK_TOO_LARGE', `chunk size ${chunkSizeBytes} > ${CHUNK_SIZE_BYTES_MAX}`);
  if (request.checksum !== undefined) checkCount(request.checksum, 'checksum', U32_MAX);
  const write = request as unknown as WriteRequest;
  return { chunkId, update: updateOf(write, chunkSizeBytes) };
}

function updateOf(request: WriteRequest, chunkSizeBytes: number): ChunkUpdate {
  switch (request.kind) {
    case 'write': {
      const offsetBytes = checkCount(request.offsetBytes, 'offsetBytes');
      if (!isPayload(request.payload)) fail('a write needs a payload');
      const endBytes = offsetBytes + request.payload.sizeBytes;
      if (endBytes > chunkSizeBytes) throw new FlyerError('CHUNK_TOO_LARGE', `write [${offsetBytes}, ${endBytes}) exceeds the chunk size ${chunkSizeBytes}`);
      return { kind: 'write', offsetBytes, payload: request.payload, ...(request.checksum !== undefined ? { checksum: request.checksum } : {}) };
    }
    case 'replace':
      if (!isPayload(request.payload)) fail('a replace needs a payload');
      if (request.payload.sizeBytes > chunkSizeBytes) throw new FlyerError('CHUNK_TOO_LARGE', `replace of ${request.payload.sizeBytes} bytes exceeds the chunk size`);
      return { kind: 'replace', payload: request.payload };
    case 'truncate': {
      const lengthBytes = checkCount(request.lengthBytes, 'lengthBytes');
      if (lengthBytes > chunkSizeBytes) throw new FlyerError('CHUNK_TOO_LARGE', `truncate to ${lengthBytes} exceeds the chunk size ${chunkSizeBytes}`);
      return { kind: 'truncate', lengthBytes };
    }
    case 'remove':
      return { kind: 'remove' };
    default:
      return fail(`unknown update kind ${JSON.stringify((request as { kind?: unknown }).kind)}`);
  }
}

export function checkForwardRequest(request: unknown): { chunkId: ChunkId; update: ChunkUpdate } {
  const checked = checkWriteRequest(request);
  const forward = request as ForwardRequest;
  checkCount(forward.updateVersion, 'updateVersion', U32_MAX);
  checkCount(forward.fromTargetId, 'fromTargetId');
  if (typeof forward.syncing !== 'boolean') fail('syncing must be a boolean');
  if (forward.ledger !== undefined) checkLedgerEntries(forward.ledger);
  return checked;
}

/** Update-ledger entries one resync message may carry for its chunk. */
export const LEDGER_ENTRIES_PER_CHUNK_MAX = 1 << 16;

function checkLedgerEntries(entries: unknown): void {
  if (!Array.isArray(entries) || entries.length > LEDGER_ENTRIES_PER_CHUNK_MAX) fail(`ledger must be an array of at most ${LEDGER_ENTRIES_PER_CHUNK_MAX} entries`);
  for (const entry of entries as unknown[]) {
    if (!isObject(entry) || typeof entry.clientId !== 'string' || entry.clientId.length === 0 || entry.clientId.length > CLIENT_ID_CHARS_MAX) {
      fail('a ledger entry needs a clientId');
    }
    checkCount(entry.channelId, 'ledger channelId', U32_MAX);
    checkCount(entry.seq, 'ledger seq');
    checkCount(entry.updateVersion, 'ledger updateVersion', U32_MAX);
  }
}

export function checkBatchRead(request: unknown, iosMax: number): BatchReadRequest {
  if (!isObject(request) || !Array.isArray(request.ios)) fail('a batch read needs an ios array');
  if (request.ios.length > iosMax) fail(`a batch read carries at most ${iosMax} ios, got ${request.ios.length}`);
  checkCount(request.requestId, 'requestId');
  if (request.requestToSend !== undefined && typeof request.requestToSend !== 'boolean') fail('requestToSend must be a boolean');
  if (request.region !== undefined) {
    const region = request.region;
    if (!isObject(region) || typeof region.nodeId !== 'string') fail('region needs a nodeId');
    checkCount(region.regionId, 'region.regionId');
    checkCount(region.sizeBytes, 'region.sizeBytes');
    const offsets = request.regionOffsets;
    if (!Array.isArray(offsets) || offsets.length !== request.ios.length) fail('regionOffsets must give one offset per io');
    offsets.forEach((offset, i) => checkCount(offset, `regionOffsets[${i}]`));
  }
  return request as unknown as BatchReadRequest;
}

/** Checks one read io; returns its chunk id. Errors here fail only that io. */
export function checkReadIo(io: unknown): { key: ChunkKey; chunkId: ChunkId; offsetBytes: number; lengthBytes: number } {
  if (!isObject(io)) fail('an io must be an object');
  const chunkId = checkChunkKey(io.key);
  const offsetBytes = checkCount(io.offsetBytes, 'offsetBytes', CHUNK_SIZE_BYTES_MAX);
  const lengthBytes = checkCount(io.lengthBytes, 'lengthBytes', CHUNK_SIZE_BYTES_MAX);
  return { key: io.key as unknown as ChunkKey, chunkId, offsetBytes, lengthBytes };
}

export function checkSyncRequest(request: unknown): SyncStartRequest {
  if (!isObject(request)) fail('a sync request needs a request object');
  checkCount(request.chainId, 'chainId', U32_MAX);
  checkCount(request.chainVersion, 'chainVersion', U32_MAX);
  checkCount(request.targetId, 'targetId');
  return request as unknown as SyncStartRequest;
}

export function checkTargetRequest(request: unknown): number {
  if (!isObject(request)) fail('the request needs a targetId');
  return checkCount(request.targetId, 'targetId');
}
