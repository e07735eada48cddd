import { assert } from '../../env/assert.ts';
import type { NodeId } from '../../env/types.ts';
import { isChainOrdered } from './chain-state-machine.ts';
import type { PersistedMgmtdState } from './mgmtd-store.ts';
import type {
  ChainId, ChainInfo, ChainTable, ChainTableId, LocalTargetState, NodeInfo, NodeStatus, NodeType, PublicTargetState, RoutingInfo,
  TargetId, TargetInfo,
} from './types.ts';

/**
 * The primary manager's in-memory picture of the cluster for one lease term: what it loaded from
 * the KV plus what heartbeats told it since. Mutated only by the service (serialized ops, heartbeats,
 * background loops); a new term starts from a fresh load, never from a previous term's memory.
 */
export interface NodeEntry {
  readonly nodeId: NodeId;
  readonly type: NodeType;
  status: NodeStatus;
  /** Env-clock ns of the last heartbeat accepted (0 if none this term). */
  lastHeartbeatNs: number;
  /** Last heartbeat, or when this term started knowing the node: failure detection counts from here. */
  lastSeenNs: number;
  /** Highest heartbeat version accepted this term. */
  hbVersion: number;
}

export interface TargetEntry {
  readonly targetId: TargetId;
  readonly nodeId: NodeId;
  readonly diskIndex: number;
  chainId: ChainId;
  localState: LocalTargetState;
  usedBytes: number;
  lowSpace: boolean;
  /** Last accepted report (or term start): a target unreported for heartbeatFailNs goes OFFLINE. */
  lastReportNs: number;
}

export interface ClientSession {
  readonly clientId: string;
  readonly nodeId: NodeId;
  expiresNs: number;
}

export class MgmtdState {
  readonly nodes = new Map<NodeId, NodeEntry>();
  readonly targets = new Map<TargetId, TargetEntry>();
  readonly chains = new Map<ChainId, ChainInfo>();
  readonly tables = new Map<ChainTableId, Map<number, ChainTable>>();
  /** Chains created this term, with their creation time: the state machine leaves them alone a while. */
  readonly newbornChains = new Map<ChainId, number>();
  readonly sessions = new Map<string, ClientSession>();
  /** Something clients should see changed, and no routing-version bump covers it yet. */
  dirty = false;
  #routingVersion: number;
  #cache: { version: number; bootstrapping: boolean; routing: RoutingInfo } | undefined;

  constructor(routingVersion: number) {
    this.#routingVersion = routingVersion;
  }

  /**
   * The state a new primary starts from: persisted records, every node given a full heartbeat-fail
   * interval from now, every target OFFLINE until its node reports (as 3FS's reload does).
   */
  static fromPersisted(persisted: PersistedMgmtdState, routingVersion: number, nowNs: number): MgmtdState {
    const state = new MgmtdState(routingVersion);
    for (const node of persisted.nodes) {
      state.nodes.set(node.nodeId, { nodeId: node.nodeId, type: node.type, status: 'HEARTBEAT_CONNECTED', lastHeartbeatNs: 0, lastSeenNs: nowNs, hbVersion: 0 });
    }
    for (const t of persisted.targets) {
      state.targets.set(t.targetId, { ...t, localState: 'OFFLINE', usedBytes: 0, lowSpace: false, lastReportNs: nowNs });
    }
    for (const chain of persisted.chains) state.chains.set(chain.chainId, chain);
    for (const table of persisted.tables) state.tableVersions(table.tableId).set(table.tableVersion, table);
    state.checkInvariants();
    return state;
  }

  get routingVersion(): number {
    return this.#routingVersion;
  }

  /** Records a persisted routing-version bump: everything changed so far is now covered by it. */
  bumpedTo(version: number): void {
    assert(version > this.#routingVersion, `routing version must grow: ${this.#routingVersion} -> ${version}`);
    this.#routingVersion = version;
    this.dirty = false;
    this.#cache = undefined;
  }

  tableVersions(tableId: ChainTableId): Map<number, ChainTable> {
    let versions = this.tables.get(tableId);
    if (!versions) this.tables.set(tableId, (versions = new Map()));
    return versions;
  }

  latestTable(tableId: ChainTableId): ChainTable | undefined {
    const versions = this.tables.get(tableId);
    if (!versions || versions.size === 0) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  publicState(target: TargetEntry): PublicTargetState {
    const chain = target.chainId ? this.chains.get(target.chainId) : undefined;
    return chain?.targets.find((t) => t.targetId === target.targetId)?.publicState ?? 'OFFLINE';
  }

  /**
   * The routing snapshot at the current version. Built once per version and cached (as 3FS caches the
   * serialized routing info), so every caller holding version V sees exactly the same snapshot.
   */
  snapshot(primary: NodeId, bootstrapping: boolean): RoutingInfo {
    const cached = this.#cache;
    if (cached && cached.version === this.#routingVersion && cached.bootstrapping === bootstrapping) return cached.routing;
    const byKey = <K extends string | number, V, O>(map: Map<K, V>, view: (value: V) => O): Record<string, O> => {
      const out: Record<string, O> = {};
      for (const key of [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[String(key)] = view(map.get(key)!);
      return out;
    };
    const routing: RoutingInfo = {
      routingVersion: this.#routingVersion,
      bootstrapping,
      primary,
      nodes: byKey(this.nodes, (n): NodeInfo => ({ nodeId: n.nodeId, type: n.type, status: n.status, lastHeartbeatNs: n.lastHeartbeatNs })),
      targets: byKey(this.targets, (t): TargetInfo => ({
        targetId: t.targetId, nodeId: t.nodeId, diskIndex: t.diskIndex, chainId: t.chainId, publicState: this.publicState(t),
        localState: t.localState, usedBytes: t.usedBytes, lowSpace: t.lowSpace,
      })),
      chains: byKey(this.chains, (c) => c),
      chainTables: byKey(this.tables, (versions) => byKey(versions, (table) => table)),
    };
    this.#cache = { version: this.#routingVersion, bootstrapping, routing };
    return routing;
  }

  /** Cross-checks targets and chains; cheap enough to run after every change in tests and sims. */
  checkInvariants(): void {
    for (const chain of this.chains.values()) {
      assert(isChainOrdered(chain), `chain ${chain.chainId} is out of order`);
      assert(chain.targets.length > 0, `chain ${chain.chainId} has no targets`);
      const nodes = new Set<NodeId>();
      for (const t of chain.targets) {
        const target = this.targets.get(t.targetId);
        assert(target !== undefined && target.chainId === chain.chainId, `chain ${chain.chainId} lists target ${t.targetId} it does not own`);
        assert(!nodes.has(target.nodeId), `chain ${chain.chainId} has two targets on ${target.nodeId}`);
        nodes.add(target.nodeId);
      }
    }
    for (const target of this.targets.values()) {
      if (target.chainId === 0) continue;
      const chain = this.chains.get(target.chainId);
      assert(chain?.targets.some((t) => t.targetId === target.targetId), `target ${target.targetId} claims chain ${target.chainId}`);
    }
  }
}
