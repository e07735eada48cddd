/**
 * The one interface a service sees. Code under system/services/ reaches the world only through an Env:
 * SimEnv (sim/) runs it on virtual time inside the discrete-event simulator, RealEnv (system/real/)
 * runs it on Node's clock, TCP and files. Interfaces only here; see each implementation for behaviour.
 */
import type { ChunkStore, ChunkStoreOptions } from './chunk-store.ts';
import type { KvStore } from './kv.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { Payload } from './payload.ts';
import type { RandomStream } from './random.ts';

/** A node's name in the cluster, e.g. `storage-3` or `client-17`. */
export type NodeId = string;

export type EnvMode = 'sim' | 'real';

export interface Env {
  readonly nodeId: NodeId;
  readonly mode: EnvMode;
  readonly clock: Clock;
  /** The seeded stream for one subsystem of this node; same name, same stream object. */
  random(subsystem: string): RandomStream;
  readonly rpc: Rpc;
  readonly disk: Disk;
  readonly cpu: Cpu;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Opens (creating if asked) the chunk store of one storage target. */
  openChunkStore(options: ChunkStoreOptions): Promise<ChunkStore>;
  /** The transactional ordered key-value store this node's services keep their state in. */
  openKv(name: string): Promise<KvStore>;
  /**
   * FoundationDB-style fault hook: false in real mode; in simulation a site is enabled for a run with
   * some probability, and an enabled site then fires with `probability` on each call.
   */
  buggify(site: string, probability?: number): boolean;
  /** Coverage probe: records that `property` was reached (with `condition` true) in this run. */
  sometimes(property: string, condition?: boolean): void;
}

export interface Clock {
  /** Monotonic time in integer nanoseconds (virtual in simulation). */
  now(): number;
  /** Wall-clock nanoseconds since the epoch; in simulation it carries this node's injected clock offset. */
  wallNs(): number;
  /** Resolves after `durationNs`; rejects with FLYER_ERR_ABORTED when `signal` aborts first. */
  sleep(durationNs: number, signal?: AbortSignal): Promise<void>;
  /** Runs `callback` after `delayNs` unless cancelled first. */
  setTimer(delayNs: number, callback: () => void): Timer;
}

export interface Timer {
  cancel(): void;
}

/** A typed RPC method. `Req` and `Res` are phantom types that tie a call to its handler. */
export interface RpcMethod<Req, Res> {
  readonly serviceId: number;
  readonly methodId: number;
  /** `service.method`, for logs and errors. */
  readonly name: string;
  /** Never set: carries the request and response types for the type checker. */
  readonly _types?: (request: Req) => Res;
}

export function defineMethod<Req, Res>(serviceId: number, methodId: number, name: string): RpcMethod<Req, Res> {
  return Object.freeze({ serviceId, methodId, name });
}

export interface CallOptions {
  /** Deadline relative to now; the caller gets FLYER_ERR_RPC_TIMEOUT when it passes. */
  timeoutNs?: number;
  signal?: AbortSignal;
  /**
   * Where the reply's real payloads should land, in order, while they fit (3FS USRBIO's iov): they are
   * then views of this buffer, received straight from the socket in real mode, copied in by the codec
   * otherwise; payloads that do not fit are allocated as usual. The caller must leave the buffer alone
   * until the call settles.
   */
  receiveInto?: Uint8Array;
}

export interface RequestContext {
  readonly from: NodeId;
  /** Absolute deadline on this node's monotonic clock. */
  readonly deadlineNs: number;
  /**
   * Runs `callback` once the reply, or the error sent instead, no longer refers to anything the
   * handler gave it: real mode, when its frame has been written to the socket (or the connection
   * dropped it); simulation, once it is encoded. For lending pooled buffers to a reply (chunk reads).
   * Absent where nobody can tell (a handler called directly): then nothing may be lent to the reply.
   */
  readonly afterReply?: (callback: () => void) => void;
  /**
   * Gives back the memory the request's large real payloads were received into (real mode: a pooled,
   * 4 KiB-aligned buffer the next request lands in, so none is allocated and collected per chunk
   * write). Call it once nothing will read those payloads again; never calling it is safe (the buffer
   * is then left to the garbage collector), reading a payload after calling it is not. Absent when
   * the payloads have no such memory.
   */
  readonly releasePayloads?: () => void;
}

export type RpcHandler<Req, Res> = (request: Req, context: RequestContext) => Promise<Res>;

/** A buffer another node may write into or read from with bulk verbs (RDMA memory region analogue). */
export interface BulkRegionRef {
  readonly nodeId: NodeId;
  readonly regionId: number;
  readonly sizeBytes: number;
}

export interface BulkRegion {
  readonly ref: BulkRegionRef;
  /** The pieces written so far, in ascending offset order. */
  read(offsetBytes: number, lengthBytes: number): Payload;
  write(offsetBytes: number, payload: Payload): void;
  release(): void;
}

/** Default deadline for a call without one: 3FS's client default. */
export const DEFAULT_RPC_TIMEOUT_NS = 1_000_000_000;

export interface Rpc {
  call<Req, Res>(to: NodeId, method: RpcMethod<Req, Res>, request: Req, options?: CallOptions): Promise<Res>;
  serve<Req, Res>(method: RpcMethod<Req, Res>, handler: RpcHandler<Req, Res>): void;
  /** Registers a local region that peers can reach with bulkWrite/bulkRead. */
  registerRegion(sizeBytes: number): BulkRegion;
  /** RDMA WRITE analogue: pushes `payload` into a peer's region; resolves when it has landed. */
  bulkWrite(region: BulkRegionRef, offsetBytes: number, payload: Payload, options?: CallOptions): Promise<void>;
  /** RDMA READ analogue: pulls bytes out of a peer's region. */
  bulkRead(region: BulkRegionRef, offsetBytes: number, lengthBytes: number, options?: CallOptions): Promise<Payload>;
}

/** A node's local persistent files (a simulated disk in sim, a data directory in real mode). */
export interface Disk {
  open(name: string, options?: { create?: boolean }): Promise<DiskFile>;
  exists(name: string): Promise<boolean>;
  remove(name: string): Promise<void>;
  list(prefix?: string): Promise<string[]>;
}

/**
 * Writes are visible to reads at once but durable only after sync(): a crash drops every write since
 * the last sync, as a real page cache does.
 */
export interface DiskFile {
  readonly name: string;
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  write(offsetBytes: number, bytes: Uint8Array): Promise<void>;
  truncate(sizeBytes: number): Promise<void>;
  sync(): Promise<void>;
  sizeBytes(): number;
  close(): Promise<void>;
}

/** Charges CPU work: queued on the node's simulated cores in sim; free in real mode (the CPU is real). */
export interface Cpu {
  charge(durationNs: number): Promise<void>;
  readonly cores: number;
}
