/**
 * The CRAQ storage service (3fs-notes §1.3): hosts chunk-store targets, takes client writes at chain
 * heads and updates from predecessors, serves reads from SERVING replicas, resyncs returning
 * successors, and reports its targets' local states to the cluster manager, starting with startup
 * fencing. All of it through the Env it is given, so the same code runs simulated and for real.
 *
 * @example
 * const service = await StorageService.start(env, {
 *   targets: [{ targetId: 101, path: 'targets/101' }],
 *   routing, // a RoutingSource (MgmtdClient)
 *   heartbeat, // a HeartbeatSink
 * });
 */
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { Env, RequestContext, RpcMethod } from '../../env/types.ts';
import { Semaphore } from '../common/semaphore.ts';
import { BatchReader } from './batch-reader.ts';
import { ChainUpdater } from './chain-updater.ts';
import { ChannelTable } from './channel-table.ts';
import { ChunkLocks } from './chunk-locks.ts';
import { ChunkQueries } from './chunk-queries.ts';
import { Forwarder } from './forwarder.ts';
import { LocalTarget, LocalTargets } from './local-targets.ts';
import {
  storageBatchRead, storageGetAllChunkMetadata, storageListChunks, storageQueryLastChunk, storageSpaceInfo, storageSyncDone,
  storageSyncStart, storageUpdate, storageWrite,
  type ForwardRequest, type IoResult, type WriteRequest,
} from './messages.ts';
import { resolveOptions, type ResolvedOptions, type StorageServiceOptions } from './options.ts';
import { checkForwardRequest, checkWriteRequest } from './request-checks.ts';
import { ResyncWorker } from './resync.ts';
import { SpaceReporter } from './space-info.ts';
import { SyncHandlers } from './sync-handlers.ts';
import { TargetStates } from './target-states.ts';
import { UnfinishedUpdates } from './unfinished-updates.ts';
import { checkPosition, type UpdateJob } from './update-job.ts';
import { UpdateRedriver } from './update-redriver.ts';

/** Failed updates' pending versions remembered for re-driving (unfinished-updates.ts). */
const UNFINISHED_UPDATES_MAX = 1 << 16;

export class StorageService {
  readonly #targets: LocalTargets;
  readonly #states: TargetStates;
  readonly #updater: ChainUpdater;
  readonly #reader: BatchReader;
  readonly #resync: ResyncWorker;
  readonly #redriver: UpdateRedriver;
  readonly #sync: SyncHandlers;
  readonly #queries: ChunkQueries;
  readonly #space: SpaceReporter;
  readonly #channels: ChannelTable;
  readonly #writeSlots: Semaphore;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  private constructor(private readonly env: Env, private readonly options: ResolvedOptions, targets: LocalTarget[]) {
    this.#targets = new LocalTargets(targets, options.routing);
    this.#states = new TargetStates(env, targets, options.routing, options.heartbeat, options);
    const locks = new ChunkLocks();
    const forwarder = new Forwarder(env, this.#targets, options.routing, options.forward);
    this.#updater = new ChainUpdater(env, this.#targets, locks, this.#states, forwarder, new UnfinishedUpdates(UNFINISHED_UPDATES_MAX));
    this.#redriver = new UpdateRedriver(env, this.#targets, this.#updater, options.resync.scanIntervalNs);
    this.#reader = new BatchReader(env, this.#targets, this.#states, options);
    this.#resync = new ResyncWorker(env, this.#targets, locks, this.#states, options.resync);
    this.#channels = new ChannelTable(options.channelTableEntriesMax);
    this.#sync = new SyncHandlers(this.#targets, this.#states, this.#channels);
    this.#writeSlots = new Semaphore(options.writeConcurrency);
    this.#queries = new ChunkQueries(env, this.#targets, this.#states, options);
    this.#space = new SpaceReporter(this.#targets, this.#states);
  }

  /** Opens the targets' chunk stores, starts serving and starts startup fencing. */
  static async start(env: Env, options: StorageServiceOptions): Promise<StorageService> {
    const resolved = resolveOptions(options);
    const ids = new Set(resolved.targets.map((t) => t.targetId));
    if (ids.size !== resolved.targets.length) throw new FlyerError('INVALID_ARGUMENT', 'target ids must be unique');
    // Serve at once, refusing while the stores open: a predecessor's forward to a restarting node must
    // get a retryable "not serving", not "unknown method".
    let service: StorageService | undefined;
    StorageService.#serveAll(env, () => {
      if (!service) throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `${env.nodeId} is starting`);
      return service;
    });
    const targets: LocalTarget[] = [];
    for (const config of resolved.targets) targets.push(await LocalTarget.open(env, config, resolved.channelTableEntriesMax));
    const started = new StorageService(env, resolved, targets);
    started.#unsubscribe = resolved.routing.onChange(() => {
      started.#states.evaluate();
      started.#resync.kick();
    });
    started.#states.start();
    started.#resync.start();
    started.#redriver.start();
    service = started;
    env.log.info('storage service started', { targets: resolved.targets.map((t) => t.targetId) });
    return started;
  }

  /** Local state of each target, for tests and tools. */
  localStates(): Array<{ targetId: number; localState: string; phase: string }> {
    return this.#targets.all.map((t) => ({ targetId: t.targetId, localState: t.localState, phase: t.phase }));
  }

  /** Stops serving: one last all-OFFLINE report, then the stores close. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#resync.stop();
    this.#redriver.stop();
    await this.#states.stop();
    for (const target of this.#targets.all) {
      target.phase = 'failed';
      await target.store?.close().catch(() => undefined);
      await target.ledger?.close().catch(() => undefined);
    }
  }

  static #serveAll(env: Env, ready: () => StorageService): void {
    serve(env, storageWrite, (request, context) => ready().#write(request, context));
    serve(env, storageUpdate, (request, context) => ready().#forwarded(request, context));
    serve(env, storageBatchRead, (request, context) => {
      const service = ready();
      service.#checkClient(context);
      return service.#reader.batchRead(request, context);
    });
    serve(env, storageSyncStart, (request, context) => ready().#sync.syncStart(request, context));
    serve(env, storageSyncDone, (request, context) => ready().#sync.syncDone(request, context));
    serve(env, storageGetAllChunkMetadata, (request) => ready().#sync.allChunkMetadata(request));
    serve(env, storageQueryLastChunk, (request, context) => ready().#client(context).#queries.queryLastChunk(request));
    serve(env, storageListChunks, (request, context) => ready().#client(context).#queries.listChunks(request));
    serve(env, storageSpaceInfo, (request) => ready().#space.spaceInfo(request));
  }

  /** A client write: only at the head, at the current chain version, at most once per (client, chain, channel, seq). */
  async #write(request: unknown, context: RequestContext): Promise<IoResult> {
    const { chunkId, update } = checkWriteRequest(request);
    const write = request as WriteRequest;
    this.#checkClient(context);
    const routing = await this.#targets.routingFor(write.key.chainId, write.key.chainVersion);
    const local = this.#targets.inChain(write.key.chainId, routing);
    if (local.length === 0) throw new FlyerError('STORAGE_TARGET_UNKNOWN', `no target of chain ${write.key.chainId} on ${this.env.nodeId}`);
    const head = local.find(({ view }) => view.isHead);
    if (!head) throw new FlyerError('STORAGE_NOT_HEAD', `no target of ${this.env.nodeId} heads chain ${write.key.chainId}`);
    const job: UpdateJob = {
      target: head.target, origin: 'client', key: write.key, chunkId, update, updateVersion: 0,
      chunkSizeBytes: write.chunkSizeBytes, tag: write.tag, syncing: false,
    };
    checkPosition(this.#targets, job, write.key.chainVersion);
    if (this.#writeSlots.waiting >= this.options.queuedRequestsMax) {
      throw new FlyerError('STORAGE_OVERLOADED', `${this.#writeSlots.waiting} writes already wait on ${this.env.nodeId}`);
    }
    const result = await this.#exactlyOnce(job, () => this.#writeSlots.with(() => this.#updater.run(job)));
    releasePayload(context);
    return result;
  }

  /** An update from the predecessor (a live write further down the chain, or resync traffic). */
  async #forwarded(request: unknown, context: RequestContext): Promise<IoResult> {
    const { chunkId, update } = checkForwardRequest(request);
    const forward = request as ForwardRequest;
    const routing = await this.#targets.routingFor(forward.key.chainId, forward.key.chainVersion);
    const local = this.#targets.inChain(forward.key.chainId, routing);
    if (local.length === 0) throw new FlyerError('STORAGE_TARGET_UNKNOWN', `no target of chain ${forward.key.chainId} on ${this.env.nodeId}`);
    const mine = local.find(({ view }) => view.predecessor?.targetId === forward.fromTargetId);
    // Only our predecessor at this chain version may update us: anything else was routed by another view.
    if (!mine || mine.view.predecessor?.nodeId !== context.from) {
      throw new FlyerError('STORAGE_ROUTING_VERSION_MISMATCH',
        `target ${forward.fromTargetId} on ${context.from} is not a predecessor here (chain ${forward.key.chainId}, request version ${forward.key.chainVersion}, ours ${local[0]!.view.chainVersion})`);
    }
    const job: UpdateJob = {
      target: mine.target, origin: 'forward', key: forward.key, chunkId, update, updateVersion: forward.updateVersion,
      chunkSizeBytes: forward.chunkSizeBytes, tag: forward.tag, syncing: forward.syncing,
      ...(forward.ledger !== undefined ? { ledger: forward.ledger } : {}),
    };
    checkPosition(this.#targets, job, forward.key.chainVersion);
    const result = await this.#exactlyOnce(job, () => this.#updater.run(job));
    releasePayload(context);
    return result;
  }

  /**
   * Runs a client update at most once per (client, chain, channel, seq) on this node. Every replica
   * keeps the table, as 3FS's ReliableUpdate does, so a client's retry that reaches a new head while
   * the old head's forward is still being applied there waits (STORAGE_CHANNEL_BUSY) instead of
   * applying the update twice. Resync traffic uses channel 0 and bypasses it.
   */
  async #exactlyOnce(job: UpdateJob, run: () => Promise<IoResult>): Promise<IoResult> {
    if (job.tag.channelId === 0) return run();
    const decision = this.#channels.begin(job.tag, job.key.chainId, job.origin === 'forward' ? job.updateVersion : undefined);
    if (decision.kind === 'cached') {
      this.env.sometimes('storage: a retried update was answered from the channel table');
      return decision.result;
    }
    let result: IoResult | undefined;
    try {
      result = await run();
      return result;
    } finally {
      this.#channels.finish(job.tag, job.key.chainId, result);
    }
  }

  /** This service, once `context`'s sender has passed the client check. */
  #client(context: RequestContext): StorageService {
    this.#checkClient(context);
    return this;
  }

  #checkClient(context: RequestContext): void {
    if (!this.options.rejectUnknownClients) return;
    const nodes = this.options.routing.current()?.nodes;
    if (nodes && Object.keys(nodes).length > 0 && nodes[context.from] === undefined) {
      throw new FlyerError('STORAGE_CLIENT_UNKNOWN', `${context.from} is not in the routing's node list`);
    }
  }
}

/**
 * After an update succeeded, nothing reads its payload again: the store has written it, the successor
 * answered (so it had every byte), and only a failed update is kept for re-driving
 * (unfinished-updates.ts). So the memory it arrived in can take the next request. After a failure the
 * payload may still be re-driven, and its memory is left to the garbage collector.
 */
function releasePayload(context: RequestContext): void {
  context.releasePayloads?.();
}

/** Registers a handler that counts outcomes and logs failures that are not coded errors (bugs). */
function serve<Req, Res>(env: Env, method: RpcMethod<Req, Res>, handler: (request: unknown, context: RequestContext) => Promise<Res>): void {
  env.rpc.serve(method, async (request, context) => {
    try {
      const response = await handler(request, context);
      env.metrics.counter('storage_requests', { method: method.name, result: 'ok' }).add();
      return response;
    } catch (error) {
      if (!isFlyerError(error)) env.log.error('storage handler failed', { method: method.name, error: String(error) });
      env.metrics.counter('storage_requests', { method: method.name, result: isFlyerError(error) ? error.code : 'BUG' }).add();
      throw error;
    }
  });
}
