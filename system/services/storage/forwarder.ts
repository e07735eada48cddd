/**
 * Reliable forwarding to the successor (3fs-notes §1.3 write step 6, 3FS ReliableForwarding): retries
 * with exponential backoff, re-reading the routing before every attempt, so after a chain change the
 * update goes to the new successor, or this node commits as the new tail. A SYNCING successor gets the
 * whole chunk as a replace instead of a partial update, so it ends up with exactly our version.
 */
import { assert } from '../../env/assert.ts';
import type { ChunkUpdate } from '../../env/chunk-store.ts';
import { FlyerError, isFlyerError, type ErrorCode } from '../../env/errors.ts';
import { RealPayload, type Payload } from '../../env/payload.ts';
import type { RandomStream } from '../../env/random.ts';
import type { Env } from '../../env/types.ts';
import type { ChainNeighbour, LocalChainView } from './chain-view.ts';
import { applyChunkUpdate, EMPTY_CONTENT } from './chunk-content.ts';
import type { LocalTargets } from './local-targets.ts';
import { storageUpdate, type ForwardRequest, type IoResult, type UpdateKind } from './messages.ts';
import type { ResolvedOptions } from './options.ts';
import type { RoutingSource } from './routing-source.ts';
import { checkPosition, type UpdateJob } from './update-job.ts';

export type ForwardOutcome =
  /** No SERVING or SYNCING successor: this node is the tail and commits first. */
  | { readonly kind: 'tail'; readonly chainVersion: number }
  /** `chainVersion`: the version this node routed the successful attempt by, which it commits under. */
  | { readonly kind: 'forwarded'; readonly result: IoResult; readonly syncing: boolean; readonly chainVersion: number };

/** Failures retrying cannot fix: the update itself is wrong, or the replicas disagree. */
const FINAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_ARGUMENT', 'CHUNK_INVALID_ID', 'CHUNK_TOO_LARGE', 'CHUNK_PAYLOAD_CHECKSUM', 'CHUNK_NO_SPACE', 'CHUNK_READ_ONLY',
  'STORAGE_CHECKSUM_MISMATCH', 'STORAGE_DUPLICATE_UPDATE', 'ASSERTION',
]);

export class Forwarder {
  readonly #random: RandomStream;

  constructor(
    private readonly env: Env,
    private readonly targets: LocalTargets,
    private readonly routing: RoutingSource,
    private readonly options: ResolvedOptions['forward'],
  ) {
    this.#random = env.random('storage.forward');
  }

  /** Forwards `job` (already applied locally as pending version `updateVersion`) until a successor takes it. */
  async forward(job: UpdateJob, updateVersion: number): Promise<ForwardOutcome> {
    const { env } = this;
    const deadlineNs = env.clock.now() + this.options.totalTimeoutNs;
    let backoffNs = this.options.backoffNs;
    let firstChainVersion: number | undefined;
    for (;;) {
      const view = checkPosition(this.targets, job);
      firstChainVersion ??= view.chainVersion;
      if (view.chainVersion !== firstChainVersion) env.sometimes('storage: a write raced a chain change');
      const successor = view.successor;
      if (!successor) return { kind: 'tail', chainVersion: view.chainVersion };
      const { request, release } = await this.#request(job, view, successor, updateVersion);
      let error: FlyerError;
      try {
        if (env.buggify('storage.delay-before-forward')) await env.clock.sleep(this.#random.int(20_000_000));
        const timeoutNs = Math.max(1, Math.min(this.options.attemptTimeoutNs, deadlineNs - env.clock.now()));
        const result = await env.rpc.call(successor.nodeId, storageUpdate, request, { timeoutNs });
        // A reply means the successor had the whole request, so bytes a store read lent it are free again.
        // A failed call may leave the request queued to be written; its lent bytes are then left to the
        // garbage collector, which is always safe.
        release?.();
        if (result.commitChainVersion > view.chainVersion) {
          // 3FS: the successor knows a newer chain; refresh and go again (the retry finds it committed).
          throw new FlyerError('STORAGE_ROUTING_VERSION_MISMATCH', `successor ${successor.targetId} is at chain version ${result.commitChainVersion} > ${view.chainVersion}`);
        }
        if (env.buggify('storage.forward-reply-lost', 0.02)) throw new FlyerError('RPC_TIMEOUT', 'buggify: the reply to a forward was lost');
        return { kind: 'forwarded', result, syncing: request.syncing, chainVersion: view.chainVersion };
      } catch (caught) {
        if (!isFlyerError(caught)) throw caught;
        error = caught;
      }
      if (FINAL.has(error.code) || env.clock.now() >= deadlineNs) throw error;
      env.metrics.counter('storage_forward_retries', { code: error.code }).add();
      env.log.debug('storage forward failed; retrying', { chunkId: job.key.chunkId, successor: successor.targetId, error: error.message });
      if (error.code === 'STORAGE_ROUTING_VERSION_MISMATCH') await this.routing.refresh().catch(() => undefined);
      const waitNs = Math.min(backoffNs * (0.5 + this.#random.next() / 2), Math.max(0, deadlineNs - env.clock.now()));
      await this.#sleepUntilRoutingChange(waitNs);
      backoffNs = Math.min(backoffNs * 2, this.options.backoffNsMax);
    }
  }

  /** The request for one attempt, and, when its payload borrows bytes a store read lent, their release. */
  async #request(job: UpdateJob, view: LocalChainView, successor: ChainNeighbour, updateVersion: number): Promise<{ request: ForwardRequest; release?: () => void }> {
    const syncing = successor.publicState === 'SYNCING';
    const base = {
      key: { chainId: view.chainId, chainVersion: view.chainVersion, chunkId: job.key.chunkId },
      chunkSizeBytes: job.chunkSizeBytes,
      tag: job.tag,
      updateVersion,
      fromTargetId: job.target.targetId,
      syncing,
    };
    if (!syncing || job.update.kind === 'remove') return { request: { ...base, ...wireUpdate(job.update) } };
    const { payload, release } = await this.#fullChunk(job);
    return { request: { ...base, kind: 'replace', offsetBytes: 0, payload }, ...(release ? { release } : {}) };
  }

  /**
   * The content our pending version has: the committed chunk with the update applied. The content may
   * share bytes with the committed chunk's read (slices are not copies), so the read's release, if the
   * store lent its bytes, comes back with it, to be called once the content is no longer needed.
   */
  async #fullChunk(job: UpdateJob): Promise<{ payload: Payload; release?: () => void }> {
    const update = job.update;
    if (update.kind === 'replace') return { payload: update.payload };
    if (update.kind === 'write' && update.offsetBytes === 0 && update.payload.sizeBytes === job.chunkSizeBytes) return { payload: update.payload };
    const store = job.target.requireStore();
    const meta = await store.meta(job.chunkId);
    const committed = meta !== undefined && meta.commitVersion > 0;
    const read = committed && meta.lengthBytes > 0 ? await store.read(job.chunkId, 0, meta.lengthBytes) : undefined;
    const base = !committed ? undefined : read ? read.payload : EMPTY_CONTENT;
    const content = applyChunkUpdate(base, update);
    assert(content !== undefined, 'only a remove has no content');
    this.env.sometimes('storage: a forward to a SYNCING successor carried the whole chunk');
    return { payload: content, ...(read?.release ? { release: read.release } : {}) };
  }

  /** Sleeps `durationNs`, or less if the routing changes meanwhile (the retry may go elsewhere now). */
  async #sleepUntilRoutingChange(durationNs: number): Promise<void> {
    const controller = new AbortController();
    const unsubscribe = this.routing.onChange(() => controller.abort());
    try {
      await this.env.clock.sleep(durationNs, controller.signal);
    } catch (error) {
      if (!isFlyerError(error, 'ABORTED')) throw error;
    } finally {
      unsubscribe();
    }
  }
}

function wireUpdate(update: ChunkUpdate): { kind: UpdateKind; offsetBytes: number; payload?: Payload; lengthBytes?: number; checksum?: number } {
  switch (update.kind) {
    case 'write':
      if (update.checksum === undefined) return { kind: 'write', offsetBytes: update.offsetBytes, payload: update.payload };
      return { kind: 'write', offsetBytes: update.offsetBytes, payload: withKnownChecksum(update.payload, update.checksum), checksum: update.checksum };
    case 'replace':
      return { kind: 'replace', offsetBytes: 0, payload: update.payload };
    case 'truncate':
      return { kind: 'truncate', offsetBytes: 0, lengthBytes: update.lengthBytes };
    case 'remove':
      return { kind: 'remove', offsetBytes: 0 };
  }
}

/**
 * The payload marked with its checksum: the local store has just checked the bytes against it (an
 * update with a checksum that does not match them fails), so the transport joins it into the frame's
 * checksum instead of reading the payload again on every hop.
 */
function withKnownChecksum(payload: Payload, checksum: number): Payload {
  return payload instanceof RealPayload && payload.knownCrc32c === undefined ? new RealPayload(payload.bytes, checksum) : payload;
}
