/**
 * The cluster manager's data model, as 3FS has it (3fs-notes §1.1): nodes, storage targets with a
 * public state (what the cluster decided) and a local state (what the storage node reports), chains of
 * targets with a version bumped on every change, versioned chain tables, and the routing snapshot
 * every client and service polls.
 */
import type { NodeId } from '../../env/types.ts';

export type TargetId = number;
export type ChainId = number;
export type ChainTableId = number;

export type NodeType = 'MGMTD' | 'META' | 'STORAGE' | 'CLIENT';
export type NodeStatus = 'HEARTBEAT_CONNECTED' | 'HEARTBEAT_FAILED' | 'DISABLED';

/** SERVING: read+write. SYNCING: write only. WAITING, LASTSRV, OFFLINE: neither. */
export type PublicTargetState = 'SERVING' | 'LASTSRV' | 'SYNCING' | 'WAITING' | 'OFFLINE';
export type LocalTargetState = 'UPTODATE' | 'ONLINE' | 'OFFLINE';

export interface NodeInfo {
  readonly nodeId: NodeId;
  readonly type: NodeType;
  readonly status: NodeStatus;
  /** Env-clock time of the last heartbeat on the primary manager (0 if none yet). */
  readonly lastHeartbeatNs: number;
}

export interface TargetInfo {
  readonly targetId: TargetId;
  readonly nodeId: NodeId;
  readonly diskIndex: number;
  /** 0 while the target is an orphan (in no chain). */
  readonly chainId: ChainId;
  readonly publicState: PublicTargetState;
  readonly localState: LocalTargetState;
  readonly usedBytes: number;
  readonly lowSpace: boolean;
}

export interface ChainTarget {
  readonly targetId: TargetId;
  readonly publicState: PublicTargetState;
}

/** Targets in chain order: SERVING..., LASTSRV..., SYNCING..., WAITING..., OFFLINE...; the head is first. */
export interface ChainInfo {
  readonly chainId: ChainId;
  readonly chainVersion: number;
  readonly targets: readonly ChainTarget[];
}

export interface ChainTable {
  readonly tableId: ChainTableId;
  readonly tableVersion: number;
  readonly chainIds: readonly ChainId[];
}

/** One versioned snapshot of everything routing needs. Keys are decimal ids (msgpack maps). */
export interface RoutingInfo {
  readonly routingVersion: number;
  /** True for a while after a manager takes over: no chain changes until heartbeats arrive. */
  readonly bootstrapping: boolean;
  readonly primary: NodeId;
  readonly nodes: Readonly<Record<NodeId, NodeInfo>>;
  readonly targets: Readonly<Record<string, TargetInfo>>;
  readonly chains: Readonly<Record<string, ChainInfo>>;
  /** tableId -> tableVersion -> table; old versions stay because file layouts pin them. */
  readonly chainTables: Readonly<Record<string, Readonly<Record<string, ChainTable>>>>;
}

/** What a storage node reports about one of its targets in each heartbeat. */
export interface LocalTargetReport {
  readonly targetId: TargetId;
  readonly localState: LocalTargetState;
  readonly chainVersion: number;
  readonly usedBytes: number;
  readonly lowSpace: boolean;
}
