/**
 * Batch reads (3fs-notes §1.3 "Read path", §2): every io is served by a local target that is SERVING
 * and UPTODATE, from its committed version only, with a result per io. Data goes back inline, or is
 * pushed into the client's region (RDMA WRITE analogue); with request-to-send the client first grants a
 * transmission token, so it bounds how many servers push into its NIC at once.
 */
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import { RealPayload, zeroPayload, type Payload } from '../../env/payload.ts';
import type { RandomStream } from '../../env/random.ts';
import type { BulkRegionRef, Env, NodeId, RequestContext } from '../../env/types.ts';
import { Semaphore } from '../common/semaphore.ts';
import { payloadChecksum } from './chunk-content.ts';
import type { RoutingInfo } from '../mgmtd/types.ts';
import { checkChainVersion, isDiskError, type LocalTargets } from './local-targets.ts';
import { rdmaControlApply, type BatchReadResponse, type ReadOutcome } from './messages.ts';
import type { ResolvedOptions } from './options.ts';
import { checkBatchRead, checkReadIo } from './request-checks.ts';
import type { TargetStates } from './target-states.ts';

type Served = { readonly ok: true; readonly lengthBytes: number; readonly commitVersion: number; readonly crc32c: number; readonly payload: Payload };

export class BatchReader {
  readonly #readSlots: Semaphore;
  readonly #pushSlots: Semaphore;
  readonly #random: RandomStream;
  /**
   * Served reads whose bytes are lent from the chunk store's buffer pool, and how to give them back:
   * after the reply that carries them is written, or after their push landed. Kept beside the outcome,
   * not in it, because the outcome itself is the reply.
   */
  readonly #lent = new WeakMap<object, () => void>();

  constructor(
    private readonly env: Env,
    private readonly targets: LocalTargets,
    private readonly states: TargetStates,
    private readonly options: ResolvedOptions,
  ) {
    this.#readSlots = new Semaphore(options.readConcurrency);
    this.#pushSlots = new Semaphore(options.pushConcurrency);
    this.#random = env.random('storage.read');
  }

  async batchRead(request: unknown, context: RequestContext): Promise<BatchReadResponse> {
    const checked = checkBatchRead(request, this.options.readIosMax);
    if (this.#readSlots.waiting + this.#pushSlots.waiting >= this.options.queuedRequestsMax) {
      throw new FlyerError('STORAGE_OVERLOADED', `${this.#readSlots.waiting + this.#pushSlots.waiting} batch reads already wait on ${this.env.nodeId}`);
    }
    const routing = await this.#routingFor(checked.ios);
    const outcomes = await this.#readSlots.with(() => Promise.all(checked.ios.map((io) => this.#readOne(io, routing))));
    const hasData = outcomes.some((o) => o.ok && o.payload.sizeBytes > 0);
    // As 3FS by default, the grant is asked for before taking a push slot: a slow client must not hold
    // up pushes to other clients.
    if (hasData && checked.requestToSend === true && this.options.requestToSendTimeoutNs > 0) {
      await this.#requestToSend(context.from, checked.requestId);
    }
    if (this.env.buggify('storage.delay-before-read-push')) await this.env.clock.sleep(this.#random.int(10_000_000));
    const region = checked.region;
    if (!region) {
      this.#lendToReply(outcomes, context);
      return { results: outcomes };
    }
    const offsets = checked.regionOffsets!;
    return { results: await this.#pushSlots.with(() => Promise.all(outcomes.map((outcome, i) => this.#push(outcome, region, offsets[i]!)))) };
  }

  /**
   * Inline data travels in the reply: its pooled buffers go back once the reply has been written. Where
   * the transport cannot say when that is, they are left to the garbage collector.
   */
  #lendToReply(outcomes: readonly (Served | ReadOutcome)[], context: RequestContext): void {
    const releases: Array<() => void> = [];
    for (const outcome of outcomes) {
      const release = this.#lent.get(outcome);
      if (release) releases.push(release);
    }
    if (releases.length > 0 && context.afterReply) {
      context.afterReply(() => {
        for (const release of releases) release();
      });
    }
  }

  /** The routing for a batch, refreshed once if an io was routed by a newer chain version than ours. */
  async #routingFor(ios: readonly unknown[]): Promise<RoutingInfo> {
    const routing = this.targets.requireRouting();
    const newer = ios.some((io) => {
      const key = (io as { key?: { chainId?: unknown; chainVersion?: unknown } } | undefined)?.key;
      const known = routing.chains[String(key?.chainId)]?.chainVersion;
      return known !== undefined && typeof key?.chainVersion === 'number' && key.chainVersion > known;
    });
    return newer ? this.targets.refreshedRouting() : routing;
  }

  async #readOne(io: unknown, routing: RoutingInfo): Promise<Served | Extract<ReadOutcome, { ok: false }>> {
    try {
      return await this.#serve(io, routing);
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      return { ok: false, code: error.code, detail: error.detail };
    }
  }

  async #serve(io: unknown, routing: RoutingInfo): Promise<Served> {
    const { key, chunkId, offsetBytes, lengthBytes } = checkReadIo(io);
    const local = this.targets.inChain(key.chainId, routing);
    if (local.length === 0) throw new FlyerError('STORAGE_TARGET_UNKNOWN', `no target of chain ${key.chainId} on ${this.env.nodeId}`);
    // Reads go only to SERVING replicas that know they are up to date; SYNCING ones are not read.
    const serving = local.find(({ target, view }) => view.publicState === 'SERVING' && target.phase === 'active' && target.localState === 'UPTODATE');
    if (!serving) throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `no serving target of chain ${key.chainId} on ${this.env.nodeId}`);
    if (this.options.checkReadChainVersion) checkChainVersion(serving.view, key.chainVersion);
    const { target } = serving;
    const store = target.requireStore();
    try {
      const meta = await store.meta(chunkId);
      // CRAQ: a replica holding a pending version cannot tell whether some replica already committed it
      // (the tail commits first, and after a chain change the old tail may have). Answering with the older
      // committed copy could contradict a read already served, so the client retries, at the tail first;
      // the in-flight update commits within a chain round trip. Clean replicas answer at once.
      if (meta && meta.updateVersion > meta.commitVersion) {
        this.env.sometimes('storage: a read found a pending version and sent the client to the tail');
        throw new FlyerError('STORAGE_CHUNK_NOT_COMMITTED', `chunk ${key.chunkId} on target ${target.targetId} is at update ${meta.updateVersion}, committed ${meta.commitVersion}`);
      }
      if (!meta || meta.commitVersion === 0) throw new FlyerError('CHUNK_NOT_FOUND', `chunk ${key.chunkId} on target ${target.targetId}`);
      // A read past the end of the chunk is short, not an error: the rest of the range is a hole.
      const servedBytes = Math.min(lengthBytes, Math.max(0, meta.lengthBytes - offsetBytes));
      const result = servedBytes > 0 ? await store.read(chunkId, offsetBytes, servedBytes) : { payload: zeroPayload(0), meta };
      this.env.metrics.counter('storage_read_bytes').add(servedBytes);
      const crc32c = this.options.readChecksums ? readChecksum(result.payload) : 0;
      const served: Served = { ok: true, lengthBytes: servedBytes, commitVersion: result.meta.commitVersion, crc32c, payload: result.payload };
      if ('release' in result && result.release) this.#lent.set(served, result.release);
      return served;
    } catch (error) {
      if (isDiskError(error)) this.states.diskFailed(target, error);
      throw error;
    }
  }

  /** Asks the client for a transmission token; after the timeout the data goes anyway (3FS does too). */
  async #requestToSend(client: NodeId, requestId: number): Promise<void> {
    try {
      await this.env.rpc.call(client, rdmaControlApply, { requestId }, { timeoutNs: this.options.requestToSendTimeoutNs });
      this.env.metrics.counter('storage_rts_granted').add();
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      this.env.sometimes('storage: request-to-send got no grant in time; sending anyway');
      this.env.metrics.counter('storage_rts_timeouts').add();
    }
  }

  async #push(outcome: Served | ReadOutcome, region: BulkRegionRef, offsetBytes: number): Promise<ReadOutcome> {
    if (!outcome.ok || outcome.payload === undefined) return outcome;
    const { payload, ...rest } = outcome;
    try {
      if (payload.sizeBytes > 0) await this.env.rpc.bulkWrite(region, offsetBytes, payload);
      // The push landed, so its bytes have left this node. A failed push keeps its buffer: the bytes may
      // still sit in a send queue.
      this.#lent.get(outcome)?.();
      return rest;
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      return { ok: false, code: error.code, detail: error.detail };
    }
  }
}

/**
 * The checksum a read reports. The native engine verifies a whole-chunk read against the chunk's stored
 * CRC32C as it reads it and hands that value on with the bytes: recomputing it here cost a second pass
 * over every 4 MiB read (about 7% of the machine in the read benchmark).
 */
function readChecksum(payload: Payload): number {
  if (payload instanceof RealPayload && payload.knownCrc32c !== undefined && payload.sizeBytes > 0) return payload.knownCrc32c >>> 0;
  return payloadChecksum(payload);
}
