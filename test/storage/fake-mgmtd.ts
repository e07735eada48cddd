/**
 * A stand-in cluster manager for storage tests: one routing table the test controls, plus (with
 * `auto`) the chain state machine of 3fs-notes §1.1 driven by heartbeat reports, and heartbeat
 * timeouts. Each node talks to it through its own FakeMgmtdClient, which polls on that node's clock,
 * so a crashed node's client simply stops (no zombie callbacks).
 */
import type { Env, NodeId } from '../../system/env/types.ts';
import type {
  ChainInfo, ChainTarget, LocalTargetReport, LocalTargetState, PublicTargetState, RoutingInfo, TargetId, TargetInfo,
} from '../../system/services/mgmtd/types.ts';
import type { HeartbeatSink, RoutingSource } from '../../system/services/storage/routing-source.ts';

export interface FakeChainSpec {
  readonly chainId: number;
  readonly targets: ReadonlyArray<{ readonly targetId: TargetId; readonly nodeId: NodeId }>;
}

export interface FakeMgmtdOptions {
  readonly chains: readonly FakeChainSpec[];
  /** Nodes in the routing's node list (clients and storage). */
  readonly nodes?: readonly NodeId[];
  /** Public state every target starts in (default SERVING, as 3FS's setChains does). */
  readonly initialState?: PublicTargetState;
  /** Apply 3FS's chain rules on every report and tick (default false: the test moves states itself). */
  readonly auto?: boolean;
  /** With auto: targets not reported for this long count as local OFFLINE (default 300 ms). */
  readonly heartbeatTimeoutNs?: number;
}

const ORDER: Record<PublicTargetState, number> = { SERVING: 0, LASTSRV: 1, SYNCING: 2, WAITING: 3, OFFLINE: 4 };

export class FakeMgmtd {
  #routing: RoutingInfo;
  readonly #lastReport = new Map<TargetId, { readonly report: LocalTargetReport; readonly atNs: number }>();
  /** Every report received, oldest first. */
  readonly reports: Array<{ readonly node: NodeId; readonly atNs: number; readonly targets: readonly LocalTargetReport[] }> = [];
  auto: boolean;
  readonly #heartbeatTimeoutNs: number;

  constructor(options: FakeMgmtdOptions) {
    this.auto = options.auto ?? false;
    this.#heartbeatTimeoutNs = options.heartbeatTimeoutNs ?? 300_000_000;
    const state = options.initialState ?? 'SERVING';
    const targets: Record<string, TargetInfo> = {};
    const chains: Record<string, ChainInfo> = {};
    for (const chain of options.chains) {
      for (const t of chain.targets) {
        targets[String(t.targetId)] = { targetId: t.targetId, nodeId: t.nodeId, diskIndex: 0, chainId: chain.chainId, publicState: state, localState: 'OFFLINE', usedBytes: 0, lowSpace: false };
      }
      chains[String(chain.chainId)] = { chainId: chain.chainId, chainVersion: 1, targets: chain.targets.map((t) => ({ targetId: t.targetId, publicState: state })) };
    }
    const nodes = Object.fromEntries((options.nodes ?? []).map((nodeId) => [nodeId, { nodeId, type: 'STORAGE' as const, status: 'HEARTBEAT_CONNECTED' as const, lastHeartbeatNs: 0 }]));
    this.#routing = deepFreeze({ routingVersion: 1, bootstrapping: false, primary: 'fake-mgmtd', nodes, targets, chains, chainTables: {} });
  }

  get routing(): RoutingInfo {
    return this.#routing;
  }

  chain(chainId: number): ChainInfo {
    return this.#routing.chains[String(chainId)]!;
  }

  stateOf(targetId: TargetId): PublicTargetState | undefined {
    for (const chain of Object.values(this.#routing.chains)) {
      const t = chain.targets.find((x) => x.targetId === targetId);
      if (t) return t.publicState;
    }
    return undefined;
  }

  lastLocalState(targetId: TargetId): LocalTargetState | undefined {
    return this.#lastReport.get(targetId)?.report.localState;
  }

  /** Sets public states (others keep theirs) and orders the chain as 3FS does; bumps the chain version. */
  setStates(chainId: number, states: Readonly<Record<number, PublicTargetState>>): void {
    const chain = this.chain(chainId);
    const targets = chain.targets.map((t) => ({ targetId: t.targetId, publicState: states[t.targetId] ?? t.publicState }));
    this.#putChain(chainId, stableOrder(targets));
  }

  /** Receives a node's report (from its client) and, in auto mode, runs the chain rules. */
  receive(node: NodeId, nowNs: number, targets: readonly LocalTargetReport[]): void {
    this.reports.push({ node, atNs: nowNs, targets });
    for (const report of targets) this.#lastReport.set(report.targetId, { report, atNs: nowNs });
    if (this.auto) this.tick(nowNs);
  }

  /** In auto mode, recomputes every chain from the latest reports (stale reports count as OFFLINE). */
  tick(nowNs: number): void {
    if (!this.auto) return;
    for (const chain of Object.values(this.#routing.chains)) {
      const local = (targetId: TargetId): LocalTargetState => {
        const last = this.#lastReport.get(targetId);
        return last && nowNs - last.atNs <= this.#heartbeatTimeoutNs ? last.report.localState : 'OFFLINE';
      };
      const next = nextChain(chain.targets, local);
      const same = next.length === chain.targets.length && next.every((t, i) => t.targetId === chain.targets[i]!.targetId && t.publicState === chain.targets[i]!.publicState);
      if (!same) this.#putChain(chain.chainId, next);
    }
  }

  /** A client for the node whose Env this is: its RoutingSource and HeartbeatSink. */
  client(env: Env, pollIntervalNs = 5_000_000): FakeMgmtdClient {
    return new FakeMgmtdClient(env, this, pollIntervalNs);
  }

  #putChain(chainId: number, targets: ChainTarget[]): void {
    const chain = this.chain(chainId);
    const chains = { ...this.#routing.chains, [String(chainId)]: { chainId, chainVersion: chain.chainVersion + 1, targets } };
    const infos = { ...this.#routing.targets };
    for (const t of targets) infos[String(t.targetId)] = { ...infos[String(t.targetId)]!, publicState: t.publicState };
    this.#routing = deepFreeze({ ...this.#routing, routingVersion: this.#routing.routingVersion + 1, chains, targets: infos });
  }
}

/** 3FS's generateNewChain (3fs-notes §1.1 "Chain state machine"), condensed. */
function nextChain(targets: readonly ChainTarget[], local: (targetId: TargetId) => LocalTargetState): ChainTarget[] {
  const alive = (id: TargetId): boolean => local(id) === 'ONLINE' || local(id) === 'UPTODATE';
  const out: ChainTarget[] = [];
  const put = (targetId: TargetId, publicState: PublicTargetState): void => void out.push({ targetId, publicState });
  let firstFailed = true;
  for (const t of targets.filter((x) => x.publicState === 'SERVING')) {
    if (alive(t.targetId)) {
      put(t.targetId, 'SERVING');
    } else {
      // Only the first serving target to fail may become LASTSRV: it holds every acknowledged write.
      put(t.targetId, firstFailed ? 'LASTSRV' : 'OFFLINE');
      firstFailed = false;
    }
  }
  const serving = (): boolean => out.some((t) => t.publicState === 'SERVING');
  for (const t of targets.filter((x) => x.publicState === 'LASTSRV')) {
    put(t.targetId, !serving() && alive(t.targetId) ? 'SERVING' : serving() ? 'OFFLINE' : 'LASTSRV');
  }
  if (serving()) for (const t of out) if (t.publicState === 'LASTSRV') (t as { publicState: PublicTargetState }).publicState = 'OFFLINE';
  for (const t of targets.filter((x) => x.publicState === 'SYNCING')) {
    const l = local(t.targetId);
    put(t.targetId, l === 'UPTODATE' ? 'SERVING' : l === 'ONLINE' ? (serving() ? 'SYNCING' : 'WAITING') : 'OFFLINE');
  }
  for (const t of targets.filter((x) => x.publicState === 'WAITING' || x.publicState === 'OFFLINE')) {
    const l = local(t.targetId);
    const syncing = out.some((x) => x.publicState === 'SYNCING');
    put(t.targetId, l === 'ONLINE' && serving() && !syncing ? 'SYNCING' : alive(t.targetId) ? 'WAITING' : 'OFFLINE');
  }
  return stableOrder(out);
}

function stableOrder(targets: ChainTarget[]): ChainTarget[] {
  return targets.map((t, i) => ({ t, i })).sort((a, b) => ORDER[a.t.publicState] - ORDER[b.t.publicState] || a.i - b.i).map(({ t }) => t);
}

export class FakeMgmtdClient implements RoutingSource, HeartbeatSink {
  #snapshot: RoutingInfo | undefined;
  readonly #listeners = new Set<(routing: RoutingInfo) => void>();

  constructor(private readonly env: Env, private readonly mgmtd: FakeMgmtd, private readonly pollIntervalNs: number) {
    this.#pull();
    void this.#poll();
  }

  current(): RoutingInfo | undefined {
    return this.#snapshot;
  }

  async refresh(): Promise<void> {
    await this.env.clock.sleep(20_000); // a round trip to the manager
    this.#pull();
  }

  onChange(listener: (routing: RoutingInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async report(targets: readonly LocalTargetReport[]): Promise<void> {
    await this.env.clock.sleep(10_000);
    this.mgmtd.receive(this.env.nodeId, this.env.clock.now(), targets);
  }

  async #poll(): Promise<void> {
    for (;;) {
      await this.env.clock.sleep(this.pollIntervalNs);
      this.mgmtd.tick(this.env.clock.now());
      this.#pull();
    }
  }

  #pull(): void {
    const routing = this.mgmtd.routing;
    if (routing === this.#snapshot) return;
    this.#snapshot = routing;
    for (const listener of [...this.#listeners]) listener(routing);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
