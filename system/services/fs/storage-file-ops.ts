import { FlyerError } from '../../env/errors.ts';
import type { RoutingProvider } from '../client/routing-view.ts';
import type { StorageClient } from '../client/storage-client.ts';
import { chunkIdParts, fileChunkRange } from '../common/chunk-key.ts';
import type { FileChunkOps } from '../meta/context.ts';
import type { FileInode, StatFs } from '../meta/types.ts';
import { chunkIdOfFile, fileChains } from './file-io.ts';

/** 3FS meta's GC removes 32 chunks per storage call. */
const REMOVE_CHUNKS_PER_CALL = 32;

/**
 * The storage side of file-level metadata operations (3fs-notes §1.2): exact length from each stripe
 * chain's last chunk, truncate as "remove the chunks past the end, then cut or extend the last one",
 * remove-all for GC, and space for statfs. Used by meta servers; the same code in sim and real mode.
 */
export class StorageFileOps implements FileChunkOps {
  constructor(private readonly storage: StorageClient, private readonly routing: RoutingProvider) {}

  async exactLengthBytes(file: FileInode, chainCount?: number): Promise<number> {
    const chains = (await fileChains(this.routing, file)).slice(0, chainCount);
    const lengths = await Promise.all(chains.map(async (chainId) => {
      const { lastChunk } = await this.storage.queryLastChunk({ chainId, range: fileChunkRange(file.id) });
      if (!lastChunk) return 0;
      return chunkIdParts(lastChunk.chunkId).chunkIndex * file.layout.chunkSizeBytes + lastChunk.lengthBytes;
    }));
    return Math.max(0, ...lengths);
  }

  async truncate(file: FileInode, lengthBytes: number): Promise<void> {
    const chunkSizeBytes = file.layout.chunkSizeBytes;
    const keptChunks = Math.ceil(lengthBytes / chunkSizeBytes);
    const chains = await fileChains(this.routing, file);
    await Promise.all(chains.map((chainId) => this.#removeRange(chainId, fileChunkRange(file.id, keptChunks))));
    if (keptChunks === 0) return;
    const lastIndex = keptChunks - 1;
    await this.storage.truncateChunk({
      chainId: chains[lastIndex % chains.length]!, chunkId: chunkIdOfFile(file, lastIndex), lengthBytes: lengthBytes - lastIndex * chunkSizeBytes, chunkSizeBytes,
    });
  }

  async removeAll(file: FileInode): Promise<void> {
    const chains = await fileChains(this.routing, file);
    await Promise.all(chains.map((chainId) => this.#removeRange(chainId, fileChunkRange(file.id))));
  }

  async statFs(): Promise<StatFs> {
    const reports = await this.storage.spaceInfo();
    let capacityBytes = 0;
    let usedBytes = 0;
    let freeBytes = 0;
    for (const report of reports) {
      if (!report.ok) continue;
      capacityBytes += report.capacityBytes;
      usedBytes += report.usedBytes;
      freeBytes += report.freeBytes;
    }
    if (reports.length > 0 && !reports.some((r) => r.ok)) throw new FlyerError('CLIENT_NO_SERVING_TARGET', 'no storage target reported its space');
    return { capacityBytes, usedBytes, freeBytes };
  }

  async #removeRange(chainId: number, range: { readonly begin: string; readonly end: string }): Promise<void> {
    for (;;) {
      const { more } = await this.storage.removeChunks({ chainId, range, maxChunks: REMOVE_CHUNKS_PER_CALL });
      if (!more) return;
    }
  }
}
