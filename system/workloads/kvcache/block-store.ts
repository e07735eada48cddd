import { isFlyerError } from '../../env/errors.ts';
import { payloadEquals } from '../../env/payload.ts';
import type { FlyerFs } from '../../services/fs/flyer-fs.ts';
import { readRange } from '../../services/fs/file-io.ts';
import type { FileInode } from '../../services/meta/types.ts';
import type { RunMode } from '../framework/workload.ts';
import { blockContent, type BlockLayout } from './block-layout.ts';

/** meta's batch stat takes at most this many paths (BATCH_STAT_MAX). */
const STAT_BATCH = 4096;

export type ReadOutcome =
  | { readonly kind: 'ok'; readonly sizeBytes: number }
  /** The file went away (or was replaced) between lookup and read: a GC race, not a fault. */
  | { readonly kind: 'gone' }
  | { readonly kind: 'mismatch'; readonly detail: string };

/**
 * The KV cache's view of the file system, as an inference client of 3FS has it: the cache index *is* the
 * namespace. Lookup stats a request's block paths in one batch; a block is a whole-file read; a new block
 * is written under a temporary name and renamed into place, so a reader never sees a half-written block
 * (rename replaces, so two clients racing to write the same block both succeed, with equal bytes).
 */
export class BlockStore {
  #sequence = 0;

  constructor(
    private readonly fs: FlyerFs,
    readonly layout: BlockLayout,
    private readonly mode: RunMode,
    private readonly clientIndex: number,
  ) {}

  /**
   * The longest prefix of `ids` whose block files exist with their full size, with their inodes (read
   * without another open: 3FS does not track read-only opens either).
   */
  async lookup(ids: readonly number[], sizesBytes: readonly number[]): Promise<FileInode[]> {
    const found: FileInode[] = [];
    for (let from = 0; from < ids.length; from += STAT_BATCH) {
      const batch = ids.slice(from, from + STAT_BATCH);
      const outcomes = await this.fs.meta.batchStatByPath(batch.map((id) => this.layout.blockPath(id)));
      for (const [i, outcome] of outcomes.entries()) {
        if (!outcome.ok || outcome.inode.type !== 'file' || outcome.inode.lengthBytes !== sizesBytes[from + i]) return found;
        found.push(outcome.inode);
      }
    }
    return found;
  }

  async read(id: number, inode: FileInode, verify: boolean): Promise<ReadOutcome> {
    const data = await readRange(this.fs.storage, this.fs.routing, inode, 0, inode.lengthBytes);
    if (!verify || payloadEquals(data, blockContent(id, inode.lengthBytes, this.mode))) return { kind: 'ok', sizeBytes: data.sizeBytes };
    // Chunks of a removed file read as zeros: a block another client evicted meanwhile is a race.
    try {
      const now = await this.fs.stat(this.layout.blockPath(id));
      if (now.id !== inode.id) return { kind: 'gone' };
    } catch (error) {
      if (isFlyerError(error, 'META_NOT_FOUND')) return { kind: 'gone' };
      throw error;
    }
    return { kind: 'mismatch', detail: `block ${id} (${this.layout.blockPath(id)}, inode ${inode.id}, ${inode.lengthBytes} bytes) reads back different bytes than were written` };
  }

  /** Writes a block; returns the chunk size of its file (for counting the chunks GC frees). */
  async write(id: number, sizeBytes: number): Promise<{ chunkSizeBytes: number }> {
    const temp = this.layout.tempPath(id, this.clientIndex, ++this.#sequence);
    const handle = await this.fs.open(temp, { write: true, create: true, exclusive: true });
    try {
      await handle.pwrite(0, blockContent(id, sizeBytes, this.mode));
    } finally {
      await handle.close();
    }
    await this.fs.rename(temp, this.layout.blockPath(id));
    return { chunkSizeBytes: handle.inode.layout.chunkSizeBytes };
  }

  /** Removes a block's file; false when it was gone already (another client evicted it first). */
  async remove(id: number): Promise<boolean> {
    try {
      await this.fs.unlink(this.layout.blockPath(id));
      return true;
    } catch (error) {
      if (isFlyerError(error, 'META_NOT_FOUND')) return false;
      throw error;
    }
  }
}
