/**
 * The targets this storage node hosts: each one's chunk store, local state and lifecycle phase, and
 * the lookups the request handlers need (by id, by chain, with the current routing view).
 */
import type { ChunkStore } from '../../env/chunk-store.ts';
import { FlyerError, isFlyerError, type ErrorCode } from '../../env/errors.ts';
import type { Env } from '../../env/types.ts';
import type { ChainId, LocalTargetState, RoutingInfo, TargetId } from '../mgmtd/types.ts';
import { localChainView, type LocalChainView } from './chain-view.ts';
import type { StorageTargetConfig } from './options.ts';
import type { RoutingSource } from './routing-source.ts';
import { UpdateLedger } from './update-ledger.ts';

/**
 * fencing: after start (or after losing its serving state) the target reports OFFLINE until the
 * routing no longer shows it SERVING, SYNCING or WAITING (3fs-notes §1.3 "Startup protocol");
 * active: it reports its real state (ONLINE or UPTODATE); failed: its disk failed, OFFLINE for good.
 */
export type TargetPhase = 'fencing' | 'active' | 'failed';

export class LocalTarget {
  localState: LocalTargetState = 'OFFLINE';
  phase: TargetPhase = 'fencing';
  /** Updates holding one of this target's chunk locks right now (for coverage probes). */
  writesInFlight = 0;

  constructor(readonly targetId: TargetId, readonly path: string, readonly store: ChunkStore | undefined, readonly ledger?: UpdateLedger) {
    if (!store || !ledger) this.phase = 'failed';
  }

  /** The store, for a target whose disk has not failed. */
  requireStore(): ChunkStore {
    if (this.phase === 'failed' || !this.store) throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `target ${this.targetId}: its disk failed`);
    return this.store;
  }

  /** The exactly-once ledger, for a target whose disk has not failed. */
  requireLedger(): UpdateLedger {
    if (this.phase === 'failed' || !this.ledger) throw new FlyerError('STORAGE_TARGET_NOT_SERVING', `target ${this.targetId}: its disk failed`);
    return this.ledger;
  }

  /**
   * Opens a target's chunk store and update ledger. A target either of them cannot open comes up
   * failed (reported OFFLINE); the node's other targets still serve.
   */
  static async open(env: Env, config: StorageTargetConfig, ledgerEntriesMax: number): Promise<LocalTarget> {
    let store: ChunkStore | undefined;
    try {
      store = await env.openChunkStore({ targetId: config.targetId, path: config.path, create: config.create ?? true });
      const ledger = await UpdateLedger.open(env, { targetId: config.targetId, entriesMax: ledgerEntriesMax });
      return new LocalTarget(config.targetId, config.path, store, ledger);
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      env.log.error('storage target failed to open', { targetId: config.targetId, error: error.message });
      await store?.close().catch(() => undefined);
      return new LocalTarget(config.targetId, config.path, undefined);
    }
  }
}

const DISK_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DISK_IO_ERROR', 'CHUNK_ENGINE_IO', 'CHUNK_ENGINE_FAILED', 'CHUNK_METADATA_CORRUPT']);

/**
 * Errors that mean this node's device (or the engine on it) is broken, as opposed to a bad request.
 * The same codes coming back from a peer (a successor's disk failed) are the peer's business.
 */
export function isDiskError(error: unknown): boolean {
  return isFlyerError(error) && !error.remote && DISK_ERRORS.has(error.code);
}

/** A local target of a chain, with its view of that chain. */
export interface InChain {
  readonly target: LocalTarget;
  readonly view: LocalChainView;
}

interface ViewCache {
  readonly routing: RoutingInfo;
  readonly views: ReadonlyMap<TargetId, LocalChainView | undefined>;
  readonly byChain: ReadonlyMap<ChainId, readonly InChain[]>;
}

export class LocalTargets {
  readonly #byId = new Map<TargetId, LocalTarget>();
  /** Views of every local target under one routing snapshot, recomputed when the snapshot changes. */
  #cache: ViewCache | undefined;

  constructor(readonly all: readonly LocalTarget[], private readonly routing: RoutingSource) {
    for (const target of all) this.#byId.set(target.targetId, target);
  }

  byId(targetId: TargetId): LocalTarget {
    const target = this.#byId.get(targetId);
    if (!target) throw new FlyerError('STORAGE_TARGET_UNKNOWN', `target ${targetId} is not on this node`);
    return target;
  }

  current(): RoutingInfo | undefined {
    return this.routing.current();
  }

  /** The routing this node acts on; requests that need it fail while there is none. */
  requireRouting(): RoutingInfo {
    const routing = this.routing.current();
    if (!routing) throw new FlyerError('STORAGE_TARGET_NOT_SERVING', 'no routing information yet');
    return routing;
  }

  viewOf(target: LocalTarget, routing: RoutingInfo = this.requireRouting()): LocalChainView | undefined {
    return this.#views(routing).views.get(target.targetId);
  }

  /** Local targets of chain `chainId` with their views, in configuration order. */
  inChain(chainId: ChainId, routing: RoutingInfo): readonly InChain[] {
    return this.#views(routing).byChain.get(chainId) ?? [];
  }

  #views(routing: RoutingInfo): ViewCache {
    if (this.#cache?.routing !== routing) {
      const views = new Map<TargetId, LocalChainView | undefined>();
      const byChain = new Map<ChainId, InChain[]>();
      for (const target of this.all) {
        const view = localChainView(routing, target.targetId);
        views.set(target.targetId, view);
        if (view) byChain.set(view.chainId, [...(byChain.get(view.chainId) ?? []), { target, view }]);
      }
      this.#cache = { routing, views, byChain };
    }
    return this.#cache;
  }

  /**
   * The routing, after a refresh when a request carries a newer chain version than ours: the sender
   * learned of a chain change first, and we should act on it rather than refuse.
   */
  async routingFor(chainId: ChainId, requestChainVersion: number): Promise<RoutingInfo> {
    const routing = this.requireRouting();
    const known = routing.chains[String(chainId)]?.chainVersion ?? 0;
    return requestChainVersion > known ? this.refreshedRouting() : routing;
  }

  /** The routing after asking the manager for a newer one (an unreachable manager leaves ours). */
  async refreshedRouting(): Promise<RoutingInfo> {
    await this.routing.refresh().catch(() => undefined);
    return this.requireRouting();
  }
}

/** STORAGE_ROUTING_VERSION_MISMATCH unless the request was routed by the chain version we route by. */
export function checkChainVersion(view: LocalChainView, requestChainVersion: number): void {
  if (view.chainVersion !== requestChainVersion) {
    throw new FlyerError('STORAGE_ROUTING_VERSION_MISMATCH', `chain ${view.chainId}: request has version ${requestChainVersion}, this node ${view.chainVersion}`);
  }
}
