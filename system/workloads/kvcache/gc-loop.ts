import { isFlyerError } from '../../env/errors.ts';
import type { Env } from '../../env/types.ts';
import { Semaphore } from '../../services/common/semaphore.ts';
import type { ThroughputRecorder } from '../framework/throughput-recorder.ts';
import type { BlockLru, Eviction } from './block-lru.ts';
import type { BlockStore } from './block-store.ts';
import { messageOf, noteFailure, SERIES, type ReplayStats } from './replay-stats.ts';

/**
 * A client's garbage collector: every interval it takes what its LRU/TTL policy evicts and removes those
 * block files, many removes in flight (3FS's KVCache GC shows as bursts of removes). Each removed file
 * frees ceil(size / chunk size) chunks, the unit 3FS's GC IOPS figure counts; both are recorded.
 */
export class CacheGc {
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(
    private readonly env: Env,
    private readonly store: BlockStore,
    private readonly lru: BlockLru,
    private readonly recorder: ThroughputRecorder,
    private readonly stats: ReplayStats,
    private readonly options: { readonly intervalNs: number; readonly concurrency: number },
  ) {}

  start(): void {
    this.#loop = this.#run();
  }

  /** Ends the loop, then runs a last round, so the cache ends within its capacity. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.round();
  }

  async round(): Promise<void> {
    const evictions = this.lru.takeEvictions(this.env.clock.now());
    this.stats.gcRounds++;
    if (evictions.length === 0) return;
    const limit = new Semaphore(this.options.concurrency);
    await Promise.all(evictions.map((eviction) => limit.with(() => this.#remove(eviction))));
  }

  async #run(): Promise<void> {
    for (;;) {
      try {
        await this.env.clock.sleep(this.options.intervalNs, this.#stop.signal);
      } catch (error) {
        if (isFlyerError(error, 'ABORTED')) return;
        throw error;
      }
      await this.round();
    }
  }

  async #remove(eviction: Eviction): Promise<void> {
    try {
      if (!(await this.store.remove(eviction.id))) {
        this.stats.gcAlreadyGone++;
        return;
      }
    } catch (error) {
      this.stats.gcFailures++;
      noteFailure(this.stats, `GC remove of block ${eviction.id}: ${messageOf(error)}`);
      return;
    }
    const chunkSizeBytes = this.stats.chunkSizeBytes;
    const chunks = chunkSizeBytes > 0 ? Math.max(1, Math.ceil(eviction.sizeBytes / chunkSizeBytes)) : 1;
    this.stats.gcFileRemoves++;
    this.stats.gcChunkRemoves += chunks;
    this.recorder.add(SERIES.gcFileRemoves, 1);
    this.recorder.add(SERIES.gcChunkRemoves, chunks);
  }
}
