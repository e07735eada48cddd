import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { Env, NodeId, RpcMethod } from '../../env/types.ts';
import type { ChainTablePlan } from './chain-table-generator.ts';
import {
  mgmtdCreateTargets, mgmtdExtendSession, mgmtdGetRouting, mgmtdHeartbeat, mgmtdOfflineTarget, mgmtdRegisterNode, mgmtdRemoveTarget,
  mgmtdSetChains, mgmtdSetChainTable, mgmtdUpdateChain, type Ack, type CreateTargetsRequest, type HeartbeatResponse, type SetChainsRequest,
  type SetChainTableRequest, type UpdateChainRequest,
} from './messages.ts';
import { lastHeartbeatVersion, primaryHint } from './mgmtd-errors.ts';
import type { LocalTargetReport, NodeType, RoutingInfo } from './types.ts';

/**
 * What storage nodes, clients and admin tools use to talk to the cluster manager (3FS MgmtdClient):
 * finds the primary among the configured managers (following MGMTD_NOT_PRIMARY hints, else trying the
 * next), keeps the newest routing snapshot (polled, and refreshed on demand or when a heartbeat reply
 * shows a newer version), and sends heartbeats with a strictly increasing version. It serves as the
 * storage service's RoutingSource and HeartbeatSink (system/services/storage/routing-source.ts).
 *
 * @example
 * const mgmtd = MgmtdClient.start(env, { managers: ['mgmtd-1', 'mgmtd-2', 'mgmtd-3'] });
 * await mgmtd.registerNode('STORAGE');
 * mgmtd.startHeartbeats({ type: 'STORAGE', intervalNs: 1e9, targets: () => reports() });
 * await mgmtd.refresh();
 * const routing = mgmtd.routing();
 */
export interface MgmtdClientOptions {
  readonly managers: readonly NodeId[];
  /** Routing poll interval (3FS auto_refresh_interval, 10 s); 0 = poll only on refresh(). */
  readonly refreshIntervalNs?: number;
  readonly callTimeoutNs?: number;
  /** Sleep after trying every manager without success, doubled up to 16x. */
  readonly retryBackoffNs?: number;
  /** Attempts per call across managers (default 4 per manager). */
  readonly attemptsMax?: number;
}

export interface HeartbeatSource {
  readonly type: NodeType;
  readonly intervalNs: number;
  /** The reports of this heartbeat (storage nodes); called fresh for each one. */
  readonly targets?: () => readonly LocalTargetReport[];
}

/** Errors after which another manager may well answer: not primary, gone, or mid-takeover. */
const TRY_ELSEWHERE = new Set(['MGMTD_NOT_PRIMARY', 'MGMTD_LEASE_LOST', 'MGMTD_BOOTSTRAPPING', 'RPC_TIMEOUT', 'RPC_UNREACHABLE',
  'RPC_CONNECTION_CLOSED', 'RPC_DEADLINE_PASSED', 'KV_CONFLICT']);

export class MgmtdClient {
  readonly #env: Env;
  readonly #managers: readonly NodeId[];
  readonly #options: Required<Omit<MgmtdClientOptions, 'managers'>>;
  #stopped = false;
  readonly #listeners = new Set<(routing: RoutingInfo) => void>();
  #primary: NodeId | undefined;
  #routing: RoutingInfo | undefined;
  #refreshing: Promise<void> | undefined;
  #hbVersion = 0;
  #heartbeats: Promise<unknown> = Promise.resolve();

  private constructor(env: Env, options: MgmtdClientOptions) {
    if (!Array.isArray(options.managers) || options.managers.length === 0) throw new FlyerError('INVALID_ARGUMENT', 'MgmtdClient needs at least one manager');
    this.#env = env;
    this.#managers = [...options.managers];
    this.#options = {
      refreshIntervalNs: options.refreshIntervalNs ?? 10_000_000_000,
      callTimeoutNs: options.callTimeoutNs ?? 1_000_000_000,
      retryBackoffNs: options.retryBackoffNs ?? 50_000_000,
      attemptsMax: options.attemptsMax ?? 4 * options.managers.length,
    };
  }

  /** Creates the client and starts polling routing (unless refreshIntervalNs is 0). */
  static start(env: Env, options: MgmtdClientOptions): MgmtdClient {
    const client = new MgmtdClient(env, options);
    if (client.#options.refreshIntervalNs > 0) void client.#every(client.#options.refreshIntervalNs, () => client.refresh());
    return client;
  }

  /** The manager last seen acting as primary. */
  get primary(): NodeId | undefined {
    return this.#primary;
  }

  /** The newest routing snapshot received (undefined before the first). */
  routing(): RoutingInfo | undefined {
    return this.#routing;
  }

  /** Calls `listener` with each newer snapshot; returns an unsubscribe function. */
  onRouting(listener: (routing: RoutingInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** {@link routing} under the name the storage service's RoutingSource uses. */
  current(): RoutingInfo | undefined {
    return this.#routing;
  }

  /** {@link onRouting} under the name the storage service's RoutingSource uses. */
  onChange(listener: (routing: RoutingInfo) => void): () => void {
    return this.onRouting(listener);
  }

  /** The storage service's HeartbeatSink: sends the reports as a STORAGE heartbeat now. */
  async report(targets: readonly LocalTargetReport[]): Promise<void> {
    await this.heartbeat('STORAGE', targets);
  }

  /**
   * Fetches routing now if the primary has a newer version (then {@link routing} returns it);
   * concurrent calls share one request. Rejects when no manager answers.
   */
  refresh(): Promise<void> {
    this.#refreshing ??= this.call(mgmtdGetRouting, { knownVersion: this.#routing?.routingVersion ?? 0 })
      .then((response) => {
        if (response.routing) this.#adopt(response.routing);
      })
      .finally(() => { this.#refreshing = undefined; });
    return this.#refreshing;
  }

  registerNode(type: NodeType): Promise<Ack> {
    return this.call(mgmtdRegisterNode, { nodeId: this.#env.nodeId, type });
  }

  /**
   * One heartbeat. On MGMTD_HEARTBEAT_STALE (e.g. after this node restarted, its counter starting
   * over) the version jumps past the manager's last one and the heartbeat is sent once more.
   */
  heartbeat(type: NodeType, targets: readonly LocalTargetReport[] = []): Promise<HeartbeatResponse> {
    // One at a time: two heartbeats in flight could arrive out of order and the later one look stale.
    const result = this.#heartbeats.then(() => this.#heartbeatOnce(type, targets));
    this.#heartbeats = result.catch(() => undefined);
    return result;
  }

  async #heartbeatOnce(type: NodeType, targets: readonly LocalTargetReport[]): Promise<HeartbeatResponse> {
    for (let attempt = 0; ; attempt++) {
      const hbVersion = ++this.#hbVersion;
      try {
        const response = await this.call(mgmtdHeartbeat, { nodeId: this.#env.nodeId, type, hbVersion, wallNs: this.#env.clock.wallNs(), targets });
        if (response.routingVersion > (this.#routing?.routingVersion ?? 0)) void this.refresh().catch(() => undefined);
        return response;
      } catch (error) {
        if (attempt > 0 || !isFlyerError(error, 'MGMTD_HEARTBEAT_STALE')) throw error;
        this.#hbVersion = Math.max(this.#hbVersion, lastHeartbeatVersion(error) ?? this.#hbVersion);
      }
    }
  }

  /** Sends heartbeats every `intervalNs` until stop(); failures are logged and retried next round. */
  startHeartbeats(source: HeartbeatSource): void {
    void this.#every(source.intervalNs, async () => {
      await this.heartbeat(source.type, source.targets?.() ?? []);
    });
  }

  createTargets(request: CreateTargetsRequest): Promise<Ack> {
    return this.call(mgmtdCreateTargets, request);
  }

  setChains(request: SetChainsRequest): Promise<Ack> {
    return this.call(mgmtdSetChains, request);
  }

  setChainTable(request: SetChainTableRequest): Promise<{ tableVersion: number }> {
    return this.call(mgmtdSetChainTable, request);
  }

  updateChain(request: UpdateChainRequest): Promise<Ack> {
    return this.call(mgmtdUpdateChain, request);
  }

  offlineTarget(targetId: number): Promise<Ack> {
    return this.call(mgmtdOfflineTarget, { targetId });
  }

  removeTarget(targetId: number): Promise<Ack> {
    return this.call(mgmtdRemoveTarget, { targetId });
  }

  /**
   * Uploads a generated placement: its targets, its chains, and its chain table as `tableId`. Each step
   * is idempotent, so a caller may simply repeat this after an error.
   */
  async installChainTable(plan: ChainTablePlan, tableId = 1): Promise<{ tableVersion: number }> {
    await this.createTargets({ targets: plan.targets.map(({ targetId, nodeId, diskIndex }) => ({ targetId, nodeId, diskIndex })) });
    await this.setChains({ chains: plan.chains.map(({ chainId, targetIds }) => ({ chainId, targetIds: [...targetIds] })) });
    return this.setChainTable({ tableId, chainIds: [...plan.chainIds] });
  }

  extendClientSession(clientId: string): Promise<Ack> {
    return this.call(mgmtdExtendSession, { clientId, nodeId: this.#env.nodeId });
  }

  /** Calls the primary, finding it first if needed. Application errors (bad input, ...) are thrown at once. */
  async call<Req, Res>(method: RpcMethod<Req, Res>, request: Req): Promise<Res> {
    let target = this.#primary ?? this.#managers[0]!;
    let lastError: FlyerError | undefined;
    let misses = 0;
    for (let attempt = 0; attempt < this.#options.attemptsMax; attempt++) {
      try {
        const response = await this.#env.rpc.call(target, method, request, { timeoutNs: this.#options.callTimeoutNs });
        this.#primary = target;
        return response;
      } catch (error) {
        if (!isFlyerError(error) || !TRY_ELSEWHERE.has(error.code)) throw error;
        lastError = error;
        if (this.#primary === target) this.#primary = undefined;
        const hint = primaryHint(error);
        if (hint && hint !== target && this.#managers.includes(hint)) {
          target = hint;
          continue;
        }
        target = this.#managers[(this.#managers.indexOf(target) + 1) % this.#managers.length]!;
        // After a fruitless round over every manager, back off: a takeover may be under way.
        if (++misses % this.#managers.length === 0) {
          const rounds = misses / this.#managers.length;
          await this.#env.clock.sleep(this.#options.retryBackoffNs * 2 ** Math.min(rounds - 1, 4));
        }
      }
    }
    throw lastError ?? new FlyerError('RPC_UNREACHABLE', 'no manager answered');
  }

  /** Stops polling and heartbeats. */
  stop(): void {
    this.#stopped = true;
  }

  #adopt(routing: RoutingInfo): void {
    // Versions only move forward: an answer from a deposed primary must not roll routing back.
    if (this.#routing && routing.routingVersion <= this.#routing.routingVersion) return;
    this.#routing = routing;
    for (const listener of this.#listeners) listener(routing);
  }

  async #every(intervalNs: number, body: () => Promise<void>): Promise<void> {
    while (!this.#stopped) {
      try {
        await body();
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        if (this.#stopped) return;
        this.#env.log.debug('mgmtd client: background call failed', { error: error.fullCode });
      }
      // No abort signal on the sleep: a long-lived signal would collect one listener per sleep. The
      // loop notices stop() when it wakes.
      await this.#env.clock.sleep(intervalNs);
    }
  }
}
