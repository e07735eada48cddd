import { assert } from '../../env/assert.ts';
import { FlyerError, isFlyerError, toFlyerError } from '../../env/errors.ts';
import { payloadCrc32c, RealPayload, type Payload } from '../../env/payload.ts';
import type { RandomStream } from '../../env/random.ts';
import type { Env } from '../../env/types.ts';
import type { ChainId, RoutingInfo } from '../mgmtd/types.ts';
import {
  storageBatchRead, storageWrite, type IoResult, type ReadIo, type ReadOutcome, type UpdateKind, type WriteRequest,
} from '../storage/messages.ts';
import { attemptTimeoutNs, backoffNs, classifyFailure, DEFAULT_RETRY, type RetryOptions } from './retry-policy.ts';
import { chainOf, headOf, servingTargets, type RoutedTarget, type RoutingProvider } from './routing-view.ts';
import { TransmissionGate } from './transmission-gate.ts';
import { UpdateChannels } from './update-channels.ts';

export interface StorageClientOptions {
  readonly clientId: string;
  readonly routing: RoutingProvider;
  readonly retry?: RetryOptions;
  /** CRC32C real write payloads so the storage service can verify them (3FS does by default). */
  readonly checksumWrites?: boolean;
  /** Request-to-send: storage nodes must get a token from this client before pushing read data. */
  readonly requestToSend?: { readonly maxConcurrentTransmission: number };
  readonly updateChannels?: number;
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
}

/**
 * The storage client (3fs-notes §1.4): routes each chunk operation by the cached routing snapshot —
 * writes to the chain's head, reads to a SERVING replica chosen for balance — and retries with
 * exponential backoff, refreshing the routing on routing errors and failing over to another replica on
 * target failures. A write keeps its update channel and sequence number across every retry.
 */
export class StorageClient {
  readonly #channels: UpdateChannels;
  readonly #gate: TransmissionGate | undefined;
  readonly #retry: RetryOptions;
  readonly #random: RandomStream;
  #nextRequestId = 1;

  constructor(private readonly env: Env, private readonly options: StorageClientOptions) {
    this.#channels = new UpdateChannels(options.updateChannels ?? 64);
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#random = env.random('storage-client');
    this.#gate = options.requestToSend ? new TransmissionGate(env, options.requestToSend.maxConcurrentTransmission) : undefined;
  }

  /** Applies one update to a chunk through its chain; resolves once every replica has committed it. */
  async write(update: ChunkWrite): Promise<IoResult> {
    const lease = await this.#channels.acquire();
    try {
      const checksum = this.options.checksumWrites !== false && update.payload instanceof RealPayload ? payloadCrc32c(update.payload) : undefined;
      return await this.#withRetries(`write ${update.chunkId}`, async (routing, attempt, timeoutNs) => {
        const chain = chainOf(routing, update.chainId);
        const head = headOf(routing, chain);
        if (!head) throw new FlyerError('CLIENT_NO_SERVING_TARGET', `chain ${update.chainId} has no serving head`);
        const request: WriteRequest = {
          key: { chainId: update.chainId, chainVersion: chain.chainVersion, chunkId: update.chunkId },
          kind: update.kind,
          offsetBytes: update.offsetBytes,
          chunkSizeBytes: update.chunkSizeBytes,
          tag: { clientId: this.options.clientId, channelId: lease.channelId, seq: lease.seq },
          ...(update.payload ? { payload: update.payload } : {}),
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
        const reply = await this.env.rpc.call(target.nodeId, storageBatchRead, { ios: [readIo], requestId, requestToSend: this.#gate !== undefined }, { timeoutNs });
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

  async #withRetries<T>(what: string, attempt: (routing: RoutingInfo, attemptNo: number, timeoutNs: number) => Promise<T>): Promise<T> {
    const deadlineNs = this.env.clock.now() + this.#retry.totalTimeoutNs;
    let lastError: FlyerError | undefined;
    for (let attemptNo = 0; ; attemptNo++) {
      const remainingNs = deadlineNs - this.env.clock.now();
      if (remainingNs <= 0) {
        throw new FlyerError('CLIENT_RETRIES_EXHAUSTED', `${what} after ${attemptNo} attempts: ${lastError?.message ?? 'no attempt'}`, { cause: lastError });
      }
      try {
        let routing = this.options.routing.current();
        if (!routing) {
          await this.options.routing.refresh();
          routing = this.options.routing.current();
          if (!routing) throw new FlyerError('CLIENT_NO_ROUTING', what);
        }
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
