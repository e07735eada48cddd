/**
 * Chunk range queries (3fs-notes §1.2 "Write sessions, length", §1.3 "Other storage RPCs"):
 *
 * - queryLastChunk: the last committed chunk of a chain in an id range, its length, and how many
 *   committed chunks the range holds; what meta needs for a file's exact length on close and fsync
 *   (length = last chunk index × chunk size + its length). Committed data only, from a SERVING
 *   replica: every acknowledged update is committed on every SERVING replica (the head commits last).
 * - listChunks: every chunk in a range, committed or not, for a range remove to remove one by one as
 *   chain updates. The client asks the head, which has every chunk any replica of the chain has.
 *
 * Both look at no more than maxChunks chunks per call and say when the range holds more.
 */
import { FlyerError } from '../../env/errors.ts';
import type { Env } from '../../env/types.ts';
import { chunkIdHex } from '../common/chunk-key.ts';
import { Semaphore } from '../common/semaphore.ts';
import { checkRangeRequest, type CheckedRangeRequest } from './chunk-op-checks.ts';
import { scanRange } from './chunk-range.ts';
import { checkChainVersion, isDiskError, type InChain, type LocalTargets } from './local-targets.ts';
import { toWireMeta, type LastChunk, type ListChunksResponse, type QueryLastChunkResponse, type WireChunkMeta } from './messages.ts';
import type { ResolvedOptions } from './options.ts';
import type { TargetStates } from './target-states.ts';

/** Chunks one queryLastChunk call looks at: metadata only, so many, but bounded. */
export const QUERY_CHUNKS_PER_CALL_MAX = 16_384;
/** Chunks one listChunks call returns: bounds the reply (about 100 bytes a chunk). */
export const LIST_CHUNKS_PER_CALL_MAX = 1024;
/** Range calls served at once by this node; more wait, up to the options' queue bound. */
const RANGE_CALLS_CONCURRENT_MAX = 16;

export class ChunkQueries {
  readonly #slots = new Semaphore(RANGE_CALLS_CONCURRENT_MAX);

  constructor(
    private readonly env: Env,
    private readonly targets: LocalTargets,
    private readonly states: TargetStates,
    private readonly options: ResolvedOptions,
  ) {}

  async queryLastChunk(request: unknown): Promise<QueryLastChunkResponse> {
    const checked = checkRangeRequest(request, QUERY_CHUNKS_PER_CALL_MAX);
    const local = await this.#servingTarget(checked, this.options.checkReadChainVersion);
    let lastChunk: LastChunk | undefined;
    let chunkCount = 0;
    let totalLengthBytes = 0;
    const scan = await this.#scan(local, checked, (meta) => {
      // A chunk whose first version is still pending does not exist yet for readers.
      if (meta.commitVersion === 0) return;
      chunkCount++;
      totalLengthBytes += meta.lengthBytes;
      lastChunk = { chunkId: chunkIdHex(meta.chunkId), lengthBytes: meta.lengthBytes, commitVersion: meta.commitVersion };
    });
    this.env.metrics.counter('storage_range_chunks_scanned', { method: 'queryLastChunk' }).add(scan.scannedChunks);
    return {
      ...(lastChunk ? { lastChunk } : {}),
      chunkCount,
      totalLengthBytes,
      more: scan.more,
      ...(scan.resumeFrom !== undefined ? { resumeFrom: scan.resumeFrom } : {}),
    };
  }

  async listChunks(request: unknown): Promise<ListChunksResponse> {
    const checked = checkRangeRequest(request, LIST_CHUNKS_PER_CALL_MAX);
    // The list drives chain updates at the head, so it must come from the chain version they run under.
    const local = await this.#servingTarget(checked, true);
    const chunks: WireChunkMeta[] = [];
    const scan = await this.#scan(local, checked, (meta) => void chunks.push(toWireMeta(meta, chunkIdHex(meta.chunkId))));
    this.env.metrics.counter('storage_range_chunks_scanned', { method: 'listChunks' }).add(scan.scannedChunks);
    return { chunks, more: scan.more, ...(scan.resumeFrom !== undefined ? { resumeFrom: scan.resumeFrom } : {}) };
  }

  /** The local target of the chain that is SERVING and knows it is up to date, as reads require. */
  async #servingTarget(request: CheckedRangeRequest, checkVersion: boolean): Promise<InChain> {
    const routing = await this.targets.routingFor(request.chainId, request.chainVersion);
    const local = this.targets.inChain(request.chainId, routing);
    if (local.length === 0) throw new FlyerError('STORAGE_TARGET_UNKNOWN', `no target of chain ${request.chainId} on ${this.env.nodeId}`);
    const serving = local.find(({ target, view }) => view.publicState === 'SERVING' && target.phase === 'active' && target.localState === 'UPTODATE');
    if (!serving) throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `no serving target of chain ${request.chainId} on ${this.env.nodeId}`);
    if (checkVersion) checkChainVersion(serving.view, request.chainVersion);
    return serving;
  }

  async #scan(local: InChain, request: CheckedRangeRequest, visit: Parameters<typeof scanRange>[4]): ReturnType<typeof scanRange> {
    if (this.#slots.waiting >= this.options.queuedRequestsMax) {
      throw new FlyerError('STORAGE_OVERLOADED', `${this.#slots.waiting} range requests already wait on ${this.env.nodeId}`);
    }
    const store = local.target.requireStore();
    try {
      return await this.#slots.with(() => scanRange(store, request.begin, request.end, request.maxChunks, visit));
    } catch (error) {
      if (isDiskError(error)) this.states.diskFailed(local.target, error);
      throw error;
    }
  }
}
