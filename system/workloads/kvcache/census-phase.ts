import type { ClientContext } from '../framework/workload.ts';
import { BlockLayout, TEMP_PREFIX } from './block-layout.ts';
import { BlockStore } from './block-store.ts';
import type { KvCacheParams } from './kvcache-params.ts';
import { messageOf } from './replay-stats.ts';

export interface CensusOutput {
  /** Block files in Flyer after every client's last GC round. */
  readonly blockFiles: number;
  readonly blockBytes: number;
  /** Temporary files of writes that never completed. */
  readonly tempFiles: number;
  /** Surviving blocks read back and compared with what was written for their id. */
  readonly verifiedBlocks: number;
  readonly verifyFailures: readonly string[];
}

/** Blocks re-read at the end: a direct check that what stayed in the cache is intact. */
const VERIFY_BLOCKS = 32;
/** meta's batch stat limit. */
const STAT_BATCH = 4096;

/**
 * Client 0 counts what the run left in Flyer (the bound GC promises is on files, so count files, not
 * the clients' indexes) and re-reads a sample of surviving blocks.
 */
export async function censusPhase(ctx: ClientContext<KvCacheParams>): Promise<CensusOutput | null> {
  if (ctx.clientIndex !== 0) return null;
  const { fs, params } = ctx;
  const layout = new BlockLayout(params.rootDir, params.fanoutDirs);
  const store = new BlockStore(fs, layout, ctx.mode, ctx.clientIndex);
  let blockFiles = 0;
  let blockBytes = 0;
  let tempFiles = 0;
  let verifiedBlocks = 0;
  const verifyFailures: string[] = [];
  for (let dir = 0; dir < params.fanoutDirs; dir++) {
    const entries = await fs.readdir(layout.dirPath(dir));
    const blocks = entries.filter((e) => !e.name.startsWith(TEMP_PREFIX));
    tempFiles += entries.length - blocks.length;
    blockFiles += blocks.length;
    for (let from = 0; from < blocks.length; from += STAT_BATCH) {
      const batch = blocks.slice(from, from + STAT_BATCH);
      const outcomes = await fs.meta.batchStatByPath(batch.map((e) => `${layout.dirPath(dir)}/${e.name}`));
      for (const [i, outcome] of outcomes.entries()) {
        if (!outcome.ok || outcome.inode.type !== 'file') continue;
        blockBytes += outcome.inode.lengthBytes;
        if (verifiedBlocks >= VERIFY_BLOCKS) continue;
        const id = Number(batch[i]!.name);
        try {
          const read = await store.read(id, outcome.inode, true);
          if (read.kind === 'mismatch') verifyFailures.push(read.detail);
          verifiedBlocks++;
        } catch (error) {
          verifyFailures.push(`re-read of block ${id}: ${messageOf(error)}`);
        }
      }
    }
  }
  return { blockFiles, blockBytes, tempFiles, verifiedBlocks, verifyFailures };
}
