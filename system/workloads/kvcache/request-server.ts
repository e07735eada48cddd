import type { Env } from '../../env/types.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import type { ThroughputRecorder } from '../framework/throughput-recorder.ts';
import type { BlockLru } from './block-lru.ts';
import type { BlockStore, ReadOutcome } from './block-store.ts';
import { blockBytes, type KvCacheParams } from './kvcache-params.ts';
import { messageOf, noteFailure, SERIES, type ReplayStats } from './replay-stats.ts';
import { blockTokens, type MooncakeRecord } from './trace-record.ts';

type Outcome = ReadOutcome | { readonly kind: 'failed'; readonly detail: string };

/**
 * Serves one request as a prefill node with a 3FS-backed KV cache does: look up the longest cached prefix
 * of its blocks, read those blocks (prefill reuse), write the blocks it had to compute, and record the
 * use in the client's LRU. The request's blocks are pinned meanwhile, so the client's own GC cannot
 * remove them under it. Block I/O of all requests of the client shares `ioDepth` slots.
 */
export class RequestServer {
  readonly #io: Semaphore;
  /** Blocks this client is writing now: a second request missing the same block waits for that write. */
  readonly #writing = new Map<number, Promise<boolean>>();

  constructor(
    private readonly env: Env,
    private readonly store: BlockStore,
    private readonly lru: BlockLru,
    private readonly params: KvCacheParams,
    private readonly recorder: ThroughputRecorder,
    private readonly stats: ReplayStats,
  ) {
    this.#io = new Semaphore(params.ioDepth);
  }

  async serve(record: MooncakeRecord): Promise<void> {
    const ids = record.hash_ids;
    const tokens = ids.map((_, i) => blockTokens(record, i, this.params.tokensPerBlock));
    const sizes = tokens.map((t) => blockBytes(this.params, t));
    for (const id of ids) this.lru.pin(id);
    try {
      const found = await this.store.lookup(ids, sizes);
      if (found.length > 0) this.stats.chunkSizeBytes ||= found[0]!.layout.chunkSizeBytes;
      const outcomes = await Promise.all(found.map((inode, i) => this.#io.with(() => this.#read(ids[i]!, inode))));
      const firstBad = outcomes.findIndex((o) => o.kind !== 'ok');
      const hits = firstBad < 0 ? found.length : firstBad;
      const written = await Promise.all(ids.slice(hits).map((id, k) => this.#writeOnce(id, sizes[hits + k]!)));

      this.stats.requests++;
      this.stats.blockRefs += ids.length;
      this.stats.hitBlocks += hits;
      this.stats.inputTokens += record.input_length;
      for (let i = 0; i < hits; i++) this.stats.hitTokens += tokens[i]!;
      this.recorder.add(SERIES.requests, 1);
      this.recorder.add(SERIES.blockRefs, ids.length);
      this.recorder.add(SERIES.hitBlocks, hits);
      const nowNs = this.env.clock.now();
      for (let i = ids.length - 1; i >= 0; i--) {
        if (i < hits || written[i - hits]) this.lru.touch(ids[i]!, sizes[i]!, nowNs);
      }
    } catch (error) {
      this.stats.requestFailures++;
      noteFailure(this.stats, `request at ${record.timestamp} ms: ${messageOf(error)}`);
    } finally {
      for (const id of ids) this.lru.unpin(id);
    }
  }

  async #read(id: number, inode: Parameters<BlockStore['read']>[1]): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await this.store.read(id, inode, this.params.verifyReads);
    } catch (error) {
      outcome = { kind: 'failed', detail: `read of block ${id}: ${messageOf(error)}` };
    }
    if (outcome.kind === 'ok') {
      this.stats.readBlocks++;
      this.stats.readBytes += outcome.sizeBytes;
      this.recorder.add(SERIES.read, outcome.sizeBytes);
    } else if (outcome.kind === 'gone') {
      this.stats.readRaces++;
    } else {
      this.stats.readFailures++;
      noteFailure(this.stats, outcome.detail);
    }
    return outcome;
  }

  /** Writes a block unless this client is writing it already; true when it is in the store afterwards. */
  #writeOnce(id: number, sizeBytes: number): Promise<boolean> {
    const running = this.#writing.get(id);
    if (running) return running;
    const write = this.#io.with(async () => {
      try {
        const { chunkSizeBytes } = await this.store.write(id, sizeBytes);
        this.stats.chunkSizeBytes ||= chunkSizeBytes;
        this.stats.writtenBlocks++;
        this.stats.writtenBytes += sizeBytes;
        this.recorder.add(SERIES.write, sizeBytes);
        return true;
      } catch (error) {
        this.stats.writeFailures++;
        noteFailure(this.stats, `write of block ${id}: ${messageOf(error)}`);
        return false;
      }
    }).finally(() => this.#writing.delete(id));
    this.#writing.set(id, write);
    return write;
  }
}
