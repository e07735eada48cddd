import { FlyerError } from '../../env/errors.ts';
import type { NodeId } from '../../env/types.ts';
import type { HeartbeatRequest } from './messages.ts';
import { staleHeartbeatError } from './mgmtd-errors.ts';
import type { MgmtdState, NodeEntry } from './mgmtd-state.ts';

/**
 * Heartbeats and failure detection (3FS `HeartbeatOperation.cc`, `MgmtdHeartbeatChecker.cc`). Both
 * change only volatile memory: they mark the state dirty, and the next chain-update round persists a
 * routing-version bump that publishes the change.
 */
export interface HeartbeatChecks {
  readonly self: NodeId;
  readonly nowWallNs: number;
  readonly clockWindowNs: number;
}

/** Refusals that do not depend on the sender being registered: own id, clock skew. */
export function precheckHeartbeat(request: HeartbeatRequest, checks: HeartbeatChecks): void {
  if (request.nodeId === checks.self) throw new FlyerError('INVALID_ARGUMENT', `heartbeat carries this manager's own id ${checks.self}`);
  if (checks.clockWindowNs > 0 && Math.abs(request.wallNs - checks.nowWallNs) > checks.clockWindowNs) {
    throw new FlyerError('MGMTD_CLOCK_SKEW', `${request.nodeId} says wall ${request.wallNs}, manager has ${checks.nowWallNs} (window ${checks.clockWindowNs} ns)`);
  }
}

/**
 * Accepts one heartbeat from a registered node: the version must be newer than the last accepted;
 * storage reports update each target they own, except reports about an older chain version than the
 * chain's (the node has not seen the latest routing yet, so its view is stale).
 */
export function acceptHeartbeat(state: MgmtdState, node: NodeEntry, request: HeartbeatRequest, nowNs: number, ignoreStaleReports: boolean): { ignoredReports: number } {
  if (node.type !== request.type) throw new FlyerError('INVALID_ARGUMENT', `${node.nodeId} is registered as ${node.type}, heartbeat says ${request.type}`);
  if (request.hbVersion <= node.hbVersion) throw staleHeartbeatError(node.nodeId, node.hbVersion, request.hbVersion);
  node.hbVersion = request.hbVersion;
  node.lastHeartbeatNs = nowNs;
  node.lastSeenNs = nowNs;
  if (node.status !== 'HEARTBEAT_CONNECTED') {
    node.status = 'HEARTBEAT_CONNECTED';
    state.dirty = true;
  }
  let ignoredReports = 0;
  for (const report of request.targets) {
    const target = state.targets.get(report.targetId);
    // Unknown targets and targets registered on another node are not this node's to report on.
    if (!target || target.nodeId !== node.nodeId) {
      ignoredReports++;
      continue;
    }
    const chain = target.chainId ? state.chains.get(target.chainId) : undefined;
    if (ignoreStaleReports && chain && report.chainVersion !== 0 && report.chainVersion < chain.chainVersion) {
      ignoredReports++;
      continue;
    }
    if (target.localState !== report.localState) state.dirty = true;
    target.localState = report.localState;
    target.usedBytes = report.usedBytes;
    target.lowSpace = report.lowSpace;
    target.lastReportNs = nowNs;
  }
  return { ignoredReports };
}

/**
 * A node silent for `heartbeatFailNs` becomes HEARTBEAT_FAILED; a target unreported that long
 * (its node silent, or its reports stale) goes local OFFLINE. Returns what changed, for logs.
 */
export function detectFailures(state: MgmtdState, nowNs: number, heartbeatFailNs: number): { failedNodes: NodeId[]; offlineTargets: number[] } {
  const failedNodes: NodeId[] = [];
  const offlineTargets: number[] = [];
  for (const node of state.nodes.values()) {
    if (node.status === 'HEARTBEAT_CONNECTED' && nowNs - node.lastSeenNs > heartbeatFailNs) {
      node.status = 'HEARTBEAT_FAILED';
      failedNodes.push(node.nodeId);
    }
  }
  for (const target of state.targets.values()) {
    if (target.localState !== 'OFFLINE' && nowNs - target.lastReportNs > heartbeatFailNs) {
      target.localState = 'OFFLINE';
      offlineTargets.push(target.targetId);
    }
  }
  if (failedNodes.length > 0 || offlineTargets.length > 0) state.dirty = true;
  return { failedNodes, offlineTargets };
}

/** Drops client sessions not extended within their timeout. */
export function expireSessions(state: MgmtdState, nowNs: number): number {
  let expired = 0;
  for (const [clientId, session] of state.sessions) {
    if (session.expiresNs <= nowNs) {
      state.sessions.delete(clientId);
      expired++;
    }
  }
  return expired;
}
