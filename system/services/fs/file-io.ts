import { FlyerError, isFlyerError } from '../../env/errors.ts';
import { concatPayloads, materialize, payloadSlice, RealPayload, zeroPayload, type Payload } from '../../env/payload.ts';
import { locateRange, stripeChains } from '../client/layout.ts';
import type { RoutingProvider } from '../client/routing-view.ts';
import type { StorageClient } from '../client/storage-client.ts';
import { chunkIdHex, chunkIdOf } from '../common/chunk-key.ts';
import { Semaphore } from '../common/semaphore.ts';
import type { ChainId } from '../mgmtd/types.ts';
import type { FileInode } from '../meta/types.ts';

/** Chunk operations of one file range in flight at once. */
const CHUNK_OPS_IN_FLIGHT = 32;

/** The chains a file's chunks live on, from the chain table version its layout pinned. */
export async function fileChains(routing: RoutingProvider, file: FileInode): Promise<ChainId[]> {
  const find = () => routing.current()?.chainTables[String(file.layout.tableId)]?.[String(file.layout.tableVersion)];
  let table = find();
  if (!table) {
    await routing.refresh();
    table = find();
  }
  if (!table) throw new FlyerError('META_INVALID_LAYOUT', `inode ${file.id}: chain table ${file.layout.tableId} v${file.layout.tableVersion} not in routing`);
  return stripeChains(file.layout, table);
}

export function chunkIdOfFile(file: FileInode, chunkIndex: number): string {
  return chunkIdHex(chunkIdOf(file.id, chunkIndex));
}

/**
 * Reads [offset, offset+length) of a file from storage, chunk by chunk in parallel. Holes (chunks never
 * written, or shorter than the range) read as zeros, as in POSIX; the caller clips at the file length.
 */
export async function readRange(storage: StorageClient, routing: RoutingProvider, file: FileInode, offsetBytes: number, lengthBytes: number): Promise<Payload> {
  if (lengthBytes === 0) return zeroPayload(0);
  const chains = await fileChains(routing, file);
  const pieces = locateRange(file.layout, chains, offsetBytes, lengthBytes);
  const parts = await forEachPiece(pieces, async (piece) => {
    try {
      const outcome = await storage.read({ chainId: piece.chainId, chunkId: chunkIdOfFile(file, piece.chunkIndex), offsetBytes: piece.offsetInChunkBytes, lengthBytes: piece.lengthBytes });
      if (!outcome.ok) throw new FlyerError(outcome.code as never, outcome.detail);
      const got = outcome.payload ?? zeroPayload(0);
      if (got.sizeBytes >= piece.lengthBytes) return payloadSlice(got, 0, piece.lengthBytes);
      return concatPayloads([got, zeroPayload(piece.lengthBytes - got.sizeBytes)]);
    } catch (error) {
      if (isFlyerError(error, 'CHUNK_NOT_FOUND')) return zeroPayload(piece.lengthBytes);
      throw error;
    }
  });
  return concatPayloads(parts);
}

/**
 * Reads [offset, offset + into.length) of a file straight into `into` (3FS USRBIO's iov): in real mode
 * each chunk's bytes are received from the socket into their place, so a large read costs no gathering
 * copy. Holes read as zeros; the caller clips at the file length.
 */
export async function readRangeInto(storage: StorageClient, routing: RoutingProvider, file: FileInode, offsetBytes: number, into: Uint8Array): Promise<void> {
  if (into.length === 0) return;
  const chains = await fileChains(routing, file);
  const placed = withParts(locateRange(file.layout, chains, offsetBytes, into.length), (at, length) => into.subarray(at, at + length));
  await forEachPiece(placed, async ({ piece, part: view }) => {
    try {
      const outcome = await storage.read({
        chainId: piece.chainId, chunkId: chunkIdOfFile(file, piece.chunkIndex), offsetBytes: piece.offsetInChunkBytes, lengthBytes: piece.lengthBytes, into: view,
      });
      if (!outcome.ok) throw new FlyerError(outcome.code as never, outcome.detail);
      placeInto(view, outcome.payload ?? zeroPayload(0));
    } catch (error) {
      if (!isFlyerError(error, 'CHUNK_NOT_FOUND')) throw error;
      view.fill(0);
    }
  });
}

/** Makes `view` hold `got` followed by zeros, copying only when the bytes did not land in place already. */
function placeInto(view: Uint8Array, got: Payload): void {
  const length = Math.min(got.sizeBytes, view.length);
  const landed = got instanceof RealPayload && got.bytes.buffer === view.buffer && got.bytes.byteOffset === view.byteOffset;
  if (!landed && length > 0) view.set(materialize(payloadSlice(got, 0, length)));
  if (length < view.length) view.fill(0, length);
}

/** Writes a payload at a file offset: one chunk update per chunk it touches, in parallel. */
export async function writeRange(storage: StorageClient, routing: RoutingProvider, file: FileInode, offsetBytes: number, payload: Payload): Promise<void> {
  if (payload.sizeBytes === 0) return;
  const chains = await fileChains(routing, file);
  const slices = withParts(locateRange(file.layout, chains, offsetBytes, payload.sizeBytes), (at, length) => payloadSlice(payload, at, length));
  await forEachPiece(slices, ({ piece, part: slice }) => storage.write({
    kind: 'write', chainId: piece.chainId, chunkId: chunkIdOfFile(file, piece.chunkIndex), offsetBytes: piece.offsetInChunkBytes,
    payload: slice, chunkSizeBytes: file.layout.chunkSizeBytes,
  }));
}

/** Pairs each piece of a range with its part of the range's bytes (`cut(at, length)`), back to back. */
function withParts<P extends { readonly lengthBytes: number }, T>(pieces: readonly P[], cut: (atBytes: number, lengthBytes: number) => T): Array<{ piece: P; part: T }> {
  let at = 0;
  return pieces.map((piece) => {
    const part = cut(at, piece.lengthBytes);
    at += piece.lengthBytes;
    return { piece, part };
  });
}

async function forEachPiece<T, R>(items: readonly T[], body: (item: T) => Promise<R>): Promise<R[]> {
  const limit = new Semaphore(CHUNK_OPS_IN_FLIGHT);
  return Promise.all(items.map(async (item) => {
    await limit.acquire();
    try {
      return await body(item);
    } finally {
      limit.release();
    }
  }));
}

