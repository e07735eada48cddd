import { assert } from '../../env/assert.ts';
import { FlyerError, isFlyerError, toFlyerError } from '../../env/errors.ts';
import { payloadCrc32c, RealPayload, type Payload } from '../../env/payload.ts';
import type { RandomStream } from '../../env/random.ts';
import type { Env, RpcMethod } from '../../env/types.ts';
import type { ChainId, RoutingInfo } from '../mgmtd/types.ts';
import {
  storageBatchRead, storageListChunks, storageQueryLastChunk, storageSpaceInfo, storageWrite,
  type ChunkRangeRequest, type IoResult, type ReadIo, type ReadOutcome, type UpdateKind, type WriteRequest,
} from '../storage/messages.ts';
import { CHUNK_SIZE_BYTES_MAX } from '../storage/request-checks.ts';
import {
  addLastChunkPage, emptyLastChunkResult, forEachBounded, QUERY_CHUNKS_PER_CALL_DEFAULT,
  type ChunkTruncate, type LastChunkQuery, type LastChunkResult, type RemoveChunksRequest, type RemoveChunksResult, type TargetSpaceReport,
} from './range-ops.ts';
import { attemptTimeoutNs, backoffNs, classifyFailure, DEFAULT_RETRY, type RetryOptions } from './retry-policy.ts';
import { chainOf, headOf, servingTargets, type RoutedTarget, type RoutingProvider } from './routing-view.ts';
import { TransmissionGate } from './transmission-gate.ts';
import { UpdateChannels, writerIdOf } from './update-channels.ts';

export interface StorageClientOptions {
  readonly clientId: string;
  readonly routing: RoutingProvider;
  readonly retry?: RetryOptions;
  /** CRC32C real write payloads so the storage service can verify them (3FS does by default). */
  readonly checksumWrites?: boolean;
  /** Request-to-send: storage nodes must get a token from this client before pushing read data. */
  readonly requestToSend?: { readonly maxConcurrentTransmission: number };
  readonly updateChannels?: number;
  /** Per-chunk removes one removeChunks call runs at once (default 16; each holds an update channel). */
  readonly removeConcurrency?: number;
}

export interface ChunkRef {
  readonly chainId: ChainId;
  /** 32 hex digits. */
  readonly chunkId: string;
}

export interface ChunkWrite extends ChunkRef {
  readonly kind: UpdateKind;
  readonly offsetBytes: number;
  readonly payload?: Payload;
  readonly lengthBytes?: number;
  readonly chunkSizeBytes: number;
}

export interface ChunkRead extends ChunkRef {
  readonly offsetBytes: number;
  readonly lengthBytes: number;
  /**
   * Where the data should land (3FS USRBIO's iov): real bytes that fit are received into it (in real
   * mode straight from the socket, no buffer allocated per read) and the outcome's payload is a view of
   * it; synthetic payloads (simulation) come back as they are. Leave it alone until the read settles.
   */
  readonly into?: Uint8Array;
}

/**
 * The storage client (3fs-notes §1.4): routes each chunk operation by the cached routing snapshot —
 * writes (and removes and truncates, which are writes) to the chain's head, reads and last-chunk
 * queries to a SERVING replica chosen for balance — and retries with exponential backoff, refreshing
 * the routing on routing errors and failing over to another replica on target failures. A write keeps
 * its update channel and sequence number across every retry.
 */
export class StorageClient {
  readonly #channels: UpdateChannels;
  readonly #gate: TransmissionGate | undefined;
  readonly #retry: RetryOptions;
  readonly #random: RandomStream;
  #nextRequestId = 1;

  constructor(private readonly env: Env, private readonly options: StorageClientOptions) {
    this.#channels = new UpdateChannels(options.updateChannels ?? 64, writerIdOf(env, options.clientId));
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#random = env.random('storage-client');
    this.#gate = options.requestToSend ? new TransmissionGate(env, options.requestToSend.maxConcurrentTransmission) : undefined;
  }

  /** Applies one update to a chunk through its chain; resolves once every replica has committed it. */
  async write(update: ChunkWrite): Promise<IoResult> {
    const lease = await this.#channels.acquire();
    try {
      const checksum = this.options.checksumWrites !== false && update.payload instanceof RealPayload
        ? update.payload.knownCrc32c ?? payloadCrc32c(update.payload)
        : undefined;
      // The payload carries the checksum it was just given, so the transport joins it into the frame's
      // checksum instead of reading the bytes a second time.
      const payload = checksum !== undefined && update.payload instanceof RealPayload ? new RealPayload(update.payload.bytes, checksum) : update.payload;
      return await this.#withRetries(`write ${update.chunkId}`, async (routing, attempt, timeoutNs) => {
        const chain = chainOf(routing, update.chainId);
        const head = headOf(routing, chain);
        if (!head) throw new FlyerError('CLIENT_NO_SERVING_TARGET', `chain ${update.chainId} has no serving head`);
        const request: WriteRequest = {
          key: { chainId: update.chainId, chainVersion: chain.chainVersion, chunkId: update.chunkId },
          kind: update.kind,
          offsetBytes: update.offsetBytes,
          chunkSizeBytes: update.chunkSizeBytes,
          tag: { clientId: this.#channels.writerId, channelId: lease.channelId, seq: lease.seq },
          ...(payload ? { payload } : {}),
          ...(update.lengthBytes !== undefined ? { lengthBytes: update.lengthBytes } : {}),
          ...(checksum !== undefined ? { checksum } : {}),
        };
        if (attempt > 0) this.env.sometimes('client: write retried with the same channel and seq');
        return this.env.rpc.call(head.nodeId, storageWrite, request, { timeoutNs });
      });
    } finally {
      lease.release();
    }
  }

  /** Reads one chunk range from a SERVING replica, failing over to others on target failures. */
  async read(io: ChunkRead): Promise<ReadOutcome> {
    const failed = new Set<number>();
    let preferTail = false;
    return this.#withRetries(`read ${io.chunkId}`, async (routing, _attempt, timeoutNs) => {
      const target = this.#pickReadTarget(routing, io.chainId, failed, preferTail);
      const chain = chainOf(routing, io.chainId);
      const requestId = this.#nextRequestId++;
      const readIo: ReadIo = { key: { chainId: io.chainId, chainVersion: chain.chainVersion, chunkId: io.chunkId }, offsetBytes: io.offsetBytes, lengthBytes: io.lengthBytes };
      try {
        const reply = await this.env.rpc.call(target.nodeId, storageBatchRead, { ios: [readIo], requestId, requestToSend: this.#gate !== undefined }, { timeoutNs, receiveInto: io.into });
        const outcome = reply.results[0];
        assert(outcome !== undefined && reply.results.length === 1, 'a batch read answers every io');
        if (!outcome.ok) throw new FlyerError(outcome.code as never, outcome.detail);
        return outcome;
      } catch (error) {
        if (isFlyerError(error) && classifyFailure(error.code) === 'target') failed.add(target.targetId);
        // An update is in flight on that replica: the tail commits first, so ask it next.
        if (isFlyerError(error, 'STORAGE_CHUNK_NOT_COMMITTED')) preferTail = true;
        throw error;
      } finally {
        this.#gate?.complete(requestId);
      }
    });
  }

  /**
   * The last committed chunk of a chain in an id range, and the count and total length of the range's
   * committed chunks (3FS queryLastChunk): what meta needs for a file's exact length. Asks SERVING
   * replicas page by page until the range is done.
   *
   * @example
   * const { lastChunk } = await client.queryLastChunk({ chainId, range: fileChunkRange(inodeId) });
   * const lengthBytes = lastChunk ? chunkIdParts(lastChunk.chunkId).chunkIndex * chunkSizeBytes + lastChunk.lengthBytes : 0;
   */
  async queryLastChunk(query: LastChunkQuery): Promise<LastChunkResult> {
    const maxChunks = query.maxChunksPerCall ?? QUERY_CHUNKS_PER_CALL_DEFAULT;
    let total = emptyLastChunkResult();
    let begin = query.range.begin;
    for (;;) {
      const range = { begin, end: query.range.end };
      const page = await this.#rangeCall(`queryLastChunk ${begin}`, 'serving', storageQueryLastChunk, { chainId: query.chainId, range, maxChunks });
      total = addLastChunkPage(total, page);
      if (!page.more) return total;
      // Each page must move the range on, or this loop would never end.
      assert(page.resumeFrom !== undefined && page.resumeFrom > begin, `queryLastChunk made no progress past ${begin}`);
      begin = page.resumeFrom;
    }
  }

  /**
   * Removes up to `maxChunks` chunks of a chain in an id range from every replica, each as a chain
   * update with its own update channel (so exactly once, and removing a chunk already gone succeeds).
   * The chunks are listed at the head, which holds every chunk of the chain. Call again while `more`.
   *
   * @example
   * for (let more = true; more; ) ({ more } = await client.removeChunks({ chainId, range: fileChunkRange(inodeId), maxChunks: 32 }));
   */
  async removeChunks(request: RemoveChunksRequest): Promise<RemoveChunksResult> {
    const listed = await this.#rangeCall(`listChunks ${request.range.begin}`, 'head', storageListChunks, {
      chainId: request.chainId, range: request.range, maxChunks: request.maxChunks,
    });
    assert(listed.chunks.length <= request.maxChunks, `listChunks returned ${listed.chunks.length} > ${request.maxChunks} chunks`);
    const chunkIds = listed.chunks.map((chunk) => chunk.chunkId);
    await forEachBounded(chunkIds, this.options.removeConcurrency ?? 16, (chunkId) => this.removeChunk({ chainId: request.chainId, chunkId }));
    this.env.metrics.counter('client_chunks_removed').add(chunkIds.length);
    return { removedCount: chunkIds.length, more: listed.more };
  }

  /** Removes one chunk from every replica of its chain; a chunk already gone is no error. */
  async removeChunk(ref: ChunkRef): Promise<IoResult> {
    // A remove moves no data; the largest chunk size passes every size check.
    return this.write({ ...ref, kind: 'remove', offsetBytes: 0, chunkSizeBytes: CHUNK_SIZE_BYTES_MAX });
  }

  /** Cuts a chunk to `lengthBytes`, or extends it with zeros, on every replica of its chain. */
  async truncateChunk(truncate: ChunkTruncate): Promise<IoResult> {
    return this.write({
      chainId: truncate.chainId, chunkId: truncate.chunkId, kind: 'truncate', offsetBytes: 0,
      lengthBytes: truncate.lengthBytes, chunkSizeBytes: truncate.chunkSizeBytes,
    });
  }

  /**
   * Capacity, used and free bytes of every target in the routing, asked of each storage node (3FS
   * spaceInfo). A node that does not answer within `timeoutNs` (default: the retry policy's total)
   * gets a failed entry for each of its targets, so the others still count.
   */
  async spaceInfo(options: { readonly timeoutNs?: number } = {}): Promise<TargetSpaceReport[]> {
    const routing = await this.#routing('spaceInfo');
    const byNode = new Map<string, number[]>();
    for (const target of Object.values(routing.targets)) byNode.set(target.nodeId, [...(byNode.get(target.nodeId) ?? []), target.targetId]);
    const perNode = await Promise.all([...byNode].map(async ([nodeId, targetIds]): Promise<TargetSpaceReport[]> => {
      try {
        const reply = await this.#withRetries(`spaceInfo ${nodeId}`, (_routing, _attempt, timeoutNs) =>
          this.env.rpc.call(nodeId, storageSpaceInfo, { targetIds }, { timeoutNs }), options.timeoutNs);
        return reply.targets.map((space) => ({ ...space, nodeId }));
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        return targetIds.map((targetId) => ({ targetId, nodeId, ok: false as const, code: error.code, detail: error.detail }));
      }
    }));
    return perNode.flat().sort((a, b) => a.targetId - b.targetId);
  }

  /**
   * One chunk range call, retried: to the head ('head': what it lists drives chain updates there), or
   * to a SERVING replica chosen as reads choose ('serving'), failing over on target failures.
   */
  async #rangeCall<Res>(what: string, to: 'head' | 'serving', method: RpcMethod<ChunkRangeRequest, Res>, request: Omit<ChunkRangeRequest, 'chainVersion'>): Promise<Res> {
    const failed = new Set<number>();
    return this.#withRetries(what, async (routing, _attempt, timeoutNs) => {
      const chain = chainOf(routing, request.chainId);
      const target = to === 'head' ? headOf(routing, chain) : this.#pickReadTarget(routing, request.chainId, failed, false);
      if (!target) throw new FlyerError('CLIENT_NO_SERVING_TARGET', `chain ${request.chainId} has no serving head`);
      try {
        return await this.env.rpc.call(target.nodeId, method, { ...request, chainVersion: chain.chainVersion }, { timeoutNs });
      } catch (error) {
        if (isFlyerError(error) && classifyFailure(error.code) === 'target') failed.add(target.targetId);
        throw error;
      }
    });
  }

  /**
   * A SERVING replica not yet failed in this call, chosen at random for balance (3FS LoadBalance), or
   * the last SERVING one (the tail of the readable chain) when a replica reported an update in flight.
   */
  #pickReadTarget(routing: RoutingInfo, chainId: ChainId, failed: ReadonlySet<number>, preferTail: boolean): RoutedTarget {
    const serving = servingTargets(routing, chainOf(routing, chainId));
    if (serving.length === 0) throw new FlyerError('CLIENT_NO_SERVING_TARGET', `chain ${chainId}`);
    if (preferTail && !failed.has(serving[serving.length - 1]!.targetId)) return serving[serving.length - 1]!;
    const fresh = serving.filter((t) => !failed.has(t.targetId));
    return this.#random.pick(fresh.length > 0 ? fresh : serving);
  }

  /** The routing snapshot, refreshed first if there is none yet. */
  async #routing(what: string): Promise<RoutingInfo> {
    if (!this.options.routing.current()) await this.options.routing.refresh();
    const routing = this.options.routing.current();
    if (!routing) throw new FlyerError('CLIENT_NO_ROUTING', what);
    return routing;
  }

  async #withRetries<T>(
    what: string,
    attempt: (routing: RoutingInfo, attemptNo: number, timeoutNs: number) => Promise<T>,
    totalTimeoutNs = this.#retry.totalTimeoutNs,
  ): Promise<T> {
    const deadlineNs = this.env.clock.now() + totalTimeoutNs;
    let lastError: FlyerError | undefined;
    for (let attemptNo = 0; ; attemptNo++) {
      const remainingNs = deadlineNs - this.env.clock.now();
      if (remainingNs <= 0) {
        throw new FlyerError('CLIENT_RETRIES_EXHAUSTED', `${what} after ${attemptNo} attempts: ${lastError?.message ?? 'no attempt'}`, { cause: lastError });
      }
      try {
        const routing = await this.#routing(what);
        return await attempt(routing, attemptNo, Math.min(remainingNs, attemptTimeoutNs(this.#retry, attemptNo)));
      } catch (error) {
        const coded = toFlyerError(error);
        if (!isFlyerError(error) && !(error instanceof Error)) throw error;
        const failure = classifyFailure(coded.code);
        if (failure === 'permanent') throw coded;
        lastError = coded;
        this.env.metrics.counter('client_retries', { code: coded.code }).add();
        if (failure === 'reroute') await this.options.routing.refresh().catch(() => undefined);
        if (failure === 'busy') this.env.sometimes(`client: retried after ${coded.code}`);
        await this.env.clock.sleep(Math.min(Math.max(0, deadlineNs - this.env.clock.now()), backoffNs(this.#retry, attemptNo, failure, this.#random.next())));
      }
    }
  }
}
