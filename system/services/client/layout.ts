import { FlyerError } from '../../env/errors.ts';
import { randomStream } from '../../env/random.ts';
import type { ChainId, ChainTable } from '../mgmtd/types.ts';

/**
 * A file's layout, as its directory hands it out (3fs-notes §1.2): which chain table (and version) its
 * chunks live on, the chunk size, the stripe size (how many chains the file cycles over), and where in
 * the table it starts, with a seeded shuffle so files spread differently. This mapping is a persistent
 * contract: chunk i of a file must always resolve to the same chain.
 */
export interface FileLayout {
  readonly tableId: number;
  readonly tableVersion: number;
  readonly chunkSizeBytes: number;
  readonly stripeSize: number;
  /** 0-based position in the table of the file's first chain. */
  readonly baseIndex: number;
  readonly shuffleSeed: number;
}

export function validateLayout(layout: FileLayout): void {
  const { chunkSizeBytes, stripeSize, baseIndex } = layout;
  if (!Number.isSafeInteger(chunkSizeBytes) || chunkSizeBytes < 4096 || (chunkSizeBytes & (chunkSizeBytes - 1)) !== 0) {
    throw new FlyerError('INVALID_ARGUMENT', `chunk size must be a power of two of at least 4 KiB, got ${chunkSizeBytes}`);
  }
  if (!Number.isSafeInteger(stripeSize) || stripeSize < 1) throw new FlyerError('INVALID_ARGUMENT', `bad stripe size ${stripeSize}`);
  if (!Number.isSafeInteger(baseIndex) || baseIndex < 0) throw new FlyerError('INVALID_ARGUMENT', `bad base index ${baseIndex}`);
}

/** The chains a file cycles over, in stripe order. */
export function stripeChains(layout: FileLayout, table: ChainTable): ChainId[] {
  validateLayout(layout);
  if (table.chainIds.length === 0) throw new FlyerError('INVALID_ARGUMENT', `chain table ${table.tableId} is empty`);
  const width = Math.min(layout.stripeSize, table.chainIds.length);
  const chains = Array.from({ length: width }, (_, i) => table.chainIds[(layout.baseIndex + i) % table.chainIds.length]!);
  return randomStream(layout.shuffleSeed, 'layout', 'stripe-shuffle').shuffle(chains);
}

export interface ChunkLocation {
  readonly chunkIndex: number;
  readonly chainId: ChainId;
  /** Offset within the chunk. */
  readonly offsetInChunkBytes: number;
  /** Bytes of the request that fall into this chunk. */
  readonly lengthBytes: number;
}

/** Splits a file range into per-chunk pieces with their chains. */
export function locateRange(layout: FileLayout, chains: readonly ChainId[], offsetBytes: number, lengthBytes: number): ChunkLocation[] {
  if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0 || !Number.isSafeInteger(lengthBytes) || lengthBytes < 0) {
    throw new FlyerError('INVALID_ARGUMENT', `bad file range [${offsetBytes}, +${lengthBytes})`);
  }
  const pieces: ChunkLocation[] = [];
  for (let at = offsetBytes; at < offsetBytes + lengthBytes; ) {
    const chunkIndex = Math.floor(at / layout.chunkSizeBytes);
    const offsetInChunkBytes = at - chunkIndex * layout.chunkSizeBytes;
    const take = Math.min(layout.chunkSizeBytes - offsetInChunkBytes, offsetBytes + lengthBytes - at);
    pieces.push({ chunkIndex, chainId: chains[chunkIndex % chains.length]!, offsetInChunkBytes, lengthBytes: take });
    at += take;
  }
  return pieces;
}
