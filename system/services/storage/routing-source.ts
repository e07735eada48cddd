/**
 * What the storage service needs from the cluster manager, as two small interfaces, so the service does
 * not depend on how the manager client is built (MgmtdClient adapts to them; tests use a fake).
 */
import type { LocalTargetReport, RoutingInfo } from '../mgmtd/types.ts';

/**
 * The routing snapshot this node acts on. Implementations keep themselves fresh (3FS polls every
 * 10 s); `refresh` asks for a newer snapshot now, e.g. after a request carried a newer chain version.
 *
 * @example
 * const routing: RoutingSource = mgmtdClient; // or a test fake
 * const stop = routing.onChange((info) => log.info('routing', { version: info.routingVersion }));
 */
export interface RoutingSource {
  /**
   * The newest snapshot this node has; undefined before the first one arrives. Snapshots are
   * immutable: a change is a new object (the service caches what it derives per snapshot).
   */
  current(): RoutingInfo | undefined;
  /** Fetches a newer snapshot if the manager has one; resolves when done (or rejects if unreachable). */
  refresh(): Promise<void>;
  /** Calls `listener` after every change of the snapshot; returns a function that unsubscribes. */
  onChange(listener: (routing: RoutingInfo) => void): () => void;
}

/**
 * Where the storage service reports the local state of its targets. The service calls `report` with
 * every target on each heartbeat interval and at once whenever a local state changes; an
 * implementation may send it as a heartbeat right away or keep it for its own heartbeat loop.
 */
export interface HeartbeatSink {
  report(targets: readonly LocalTargetReport[]): Promise<void>;
}
