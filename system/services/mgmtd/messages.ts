import { defineMethod, type NodeId } from '../../env/types.ts';
import type { ChainId, ChainTableId, LocalTargetReport, NodeType, RoutingInfo, TargetId } from './types.ts';

/** Service id 217, as 3FS numbers its cluster manager. A non-primary answers FLYER_ERR_MGMTD_NOT_PRIMARY. */
export const MGMTD_SERVICE_ID = 217;

export interface RegisterNodeRequest {
  readonly nodeId: NodeId;
  readonly type: NodeType;
}

export interface HeartbeatRequest {
  readonly nodeId: NodeId;
  readonly type: NodeType;
  /** Strictly increasing per node; a stale one is refused with FLYER_ERR_MGMTD_HEARTBEAT_STALE. */
  readonly hbVersion: number;
  /** Sender's wall clock; must be within the manager's window of its own. */
  readonly wallNs: number;
  readonly targets: readonly LocalTargetReport[];
}

export interface HeartbeatResponse {
  readonly routingVersion: number;
}

export interface GetRoutingRequest {
  /** The version the caller has; the reply carries no snapshot when it is current. */
  readonly knownVersion: number;
}

export interface GetRoutingResponse {
  readonly routing?: RoutingInfo;
}

export interface CreateTargetsRequest {
  readonly targets: ReadonlyArray<{ readonly targetId: TargetId; readonly nodeId: NodeId; readonly diskIndex: number }>;
}

export interface SetChainsRequest {
  readonly chains: ReadonlyArray<{ readonly chainId: ChainId; readonly targetIds: readonly TargetId[] }>;
}

export interface SetChainTableRequest {
  readonly tableId: ChainTableId;
  readonly chainIds: readonly ChainId[];
}

export interface SetChainTableResponse {
  readonly tableVersion: number;
}

export interface UpdateChainRequest {
  readonly chainId: ChainId;
  readonly op: 'add' | 'remove';
  readonly targetId: TargetId;
}

export interface TargetRequest {
  readonly targetId: TargetId;
}

export interface ExtendSessionRequest {
  readonly clientId: string;
  readonly nodeId: NodeId;
}

export interface Ack {
  readonly routingVersion: number;
}

export const mgmtdRegisterNode = defineMethod<RegisterNodeRequest, Ack>(MGMTD_SERVICE_ID, 1, 'mgmtd.registerNode');
export const mgmtdHeartbeat = defineMethod<HeartbeatRequest, HeartbeatResponse>(MGMTD_SERVICE_ID, 2, 'mgmtd.heartbeat');
export const mgmtdGetRouting = defineMethod<GetRoutingRequest, GetRoutingResponse>(MGMTD_SERVICE_ID, 3, 'mgmtd.getRoutingInfo');
export const mgmtdCreateTargets = defineMethod<CreateTargetsRequest, Ack>(MGMTD_SERVICE_ID, 4, 'mgmtd.createTargets');
export const mgmtdSetChains = defineMethod<SetChainsRequest, Ack>(MGMTD_SERVICE_ID, 5, 'mgmtd.setChains');
export const mgmtdSetChainTable = defineMethod<SetChainTableRequest, SetChainTableResponse>(MGMTD_SERVICE_ID, 6, 'mgmtd.setChainTable');
export const mgmtdUpdateChain = defineMethod<UpdateChainRequest, Ack>(MGMTD_SERVICE_ID, 7, 'mgmtd.updateChain');
export const mgmtdOfflineTarget = defineMethod<TargetRequest, Ack>(MGMTD_SERVICE_ID, 8, 'mgmtd.offlineTarget');
export const mgmtdRemoveTarget = defineMethod<TargetRequest, Ack>(MGMTD_SERVICE_ID, 9, 'mgmtd.removeTarget');
export const mgmtdExtendSession = defineMethod<ExtendSessionRequest, Ack>(MGMTD_SERVICE_ID, 10, 'mgmtd.extendClientSession');
