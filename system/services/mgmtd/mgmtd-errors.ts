import { FlyerError } from '../../env/errors.ts';
import type { NodeId } from '../../env/types.ts';

/**
 * The two manager errors whose detail carries data a caller acts on, formatted and parsed in one
 * place: MGMTD_NOT_PRIMARY names the primary when known (`primary=<nodeId>`), so clients go straight
 * there; MGMTD_HEARTBEAT_STALE carries the last accepted version (`last=<n>`), so the sender can jump
 * past it (3FS puts the bare values in the message; we tag them so details stay readable in logs).
 */
export function notPrimaryError(primary: NodeId | undefined, context = ''): FlyerError {
  return new FlyerError('MGMTD_NOT_PRIMARY', `${primary ? `primary=${primary}` : 'primary unknown'}${context ? `; ${context}` : ''}`);
}

/** The primary named by a NOT_PRIMARY or LEASE_LOST error, if any. */
export function primaryHint(error: FlyerError): NodeId | undefined {
  return /(?:^|\s|;)primary=([^\s;]+)/.exec(error.detail)?.[1];
}

export function staleHeartbeatError(nodeId: NodeId, lastVersion: number, got: number): FlyerError {
  return new FlyerError('MGMTD_HEARTBEAT_STALE', `${nodeId}: last=${lastVersion} got=${got}`);
}

/** The last heartbeat version the manager accepted, from a HEARTBEAT_STALE error. */
export function lastHeartbeatVersion(error: FlyerError): number | undefined {
  const match = /(?:^|\s)last=(\d+)/.exec(error.detail);
  return match ? Number(match[1]) : undefined;
}
