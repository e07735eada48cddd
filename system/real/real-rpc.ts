import type { EncodedMessage } from '../env/codec.ts';
import { FlyerError } from '../env/errors.ts';
import type { Logger } from '../env/log.ts';
import type { Metrics } from '../env/metrics.ts';
import { RealPayload, SyntheticPayload, concatPayloads, materialize, type Payload } from '../env/payload.ts';
import {
  DEFAULT_RPC_TIMEOUT_NS,
  type BulkRegion, type BulkRegionRef, type CallOptions, type NodeId, type Rpc, type RpcHandler, type RpcMethod,
} from '../env/types.ts';
import { RegionTable } from './bulk-region.ts';
import { HandlerTable } from './rpc/handler-table.ts';
import type { CallResult } from './rpc/peer-connection.ts';
import { TcpClient } from './rpc/tcp-client.ts';
import { TcpServer } from './rpc/tcp-server.ts';
import { encodeEnvelopeOutOfBand, type InboundRequest, type OutboundResponse, type PeerAddress } from './rpc/wire.ts';

/** Service id 0 belongs to the transport itself (bulk verbs); services use ids from 1. */
const TRANSPORT_SERVICE_ID = 0;
const BULK_WRITE_METHOD_ID = 1;
const BULK_READ_METHOD_ID = 2;

interface BulkWriteBody {
  readonly regionId: number;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  /** Synthetic payloads travel as their identity; real bytes travel in the frame's raw tail. */
  readonly synthetic?: SyntheticPayload;
}

interface BulkReadBody {
  readonly regionId: number;
  readonly offsetBytes: number;
  readonly lengthBytes: number;
}

interface BulkReadReply {
  readonly sizeBytes: number;
  readonly synthetic?: SyntheticPayload;
}

export interface RealRpcOptions {
  readonly nodeId: NodeId;
  readonly nowNs: () => number;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly peers?: Iterable<readonly [NodeId, PeerAddress]>;
  readonly maxFrameBytes?: number;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The Rpc of real mode: typed calls and bulk verbs over the TCP frame transport. Calls to this node go
 * over loopback like any other, so a single-node setup exercises the same path as a cluster.
 */
export class RealRpc implements Rpc {
  readonly #nodeId: NodeId;
  readonly #handlers = new HandlerTable();
  readonly #regions: RegionTable;
  readonly #peers = new Map<NodeId, PeerAddress>();
  readonly #server: TcpServer;
  readonly #client: TcpClient;

  constructor(options: RealRpcOptions) {
    this.#nodeId = options.nodeId;
    this.#regions = new RegionTable(options.nodeId);
    for (const [nodeId, address] of options.peers ?? []) this.#peers.set(nodeId, address);
    this.#server = new TcpServer({
      handlers: this.#handlers,
      nowNs: options.nowNs,
      log: options.log,
      maxFrameBytes: options.maxFrameBytes,
      onErrorReply: (code) => options.metrics.counter('rpc.server.error_replies', { code }).add(),
    });
    this.#client = new TcpClient({ log: options.log, maxFrameBytes: options.maxFrameBytes, resolve: (nodeId) => this.#peers.get(nodeId) });
    this.#handlers.register({ serviceId: TRANSPORT_SERVICE_ID, methodId: BULK_WRITE_METHOD_ID, name: 'transport.bulkWrite', handler: (request) => this.#serveBulkWrite(request) });
    this.#handlers.register({ serviceId: TRANSPORT_SERVICE_ID, methodId: BULK_READ_METHOD_ID, name: 'transport.bulkRead', handler: (request) => this.#serveBulkRead(request) });
  }

  /** Adds or moves a peer; an open connection to its old address is dropped. */
  addPeer(nodeId: NodeId, address: PeerAddress): void {
    const old = this.#peers.get(nodeId);
    this.#peers.set(nodeId, { host: address.host, port: address.port });
    if (old && (old.host !== address.host || old.port !== address.port)) this.#client.disconnect(nodeId);
  }

  peerAddress(nodeId: NodeId): PeerAddress | undefined {
    return this.#peers.get(nodeId);
  }

  /** Number of live registered regions (leak checks in tests). */
  get regionCount(): number {
    return this.#regions.size;
  }

  listen(address: PeerAddress): Promise<PeerAddress> {
    return this.#server.listen(address);
  }

  async close(): Promise<void> {
    this.#client.close();
    this.#regions.releaseAll();
    await this.#server.close();
  }

  async call<Req, Res>(to: NodeId, method: RpcMethod<Req, Res>, request: Req, options?: CallOptions): Promise<Res> {
    const result = await this.#send(to, {
      serviceId: method.serviceId, methodId: method.methodId, label: method.name, body: request, options,
    });
    return result.message as Res;
  }

  serve<Req, Res>(method: RpcMethod<Req, Res>, handler: RpcHandler<Req, Res>): void {
    if (method.serviceId === TRANSPORT_SERVICE_ID) {
      throw new FlyerError('INVALID_ARGUMENT', `${method.name}: service id ${TRANSPORT_SERVICE_ID} is reserved for the transport`);
    }
    this.#handlers.register({
      serviceId: method.serviceId,
      methodId: method.methodId,
      name: method.name,
      handler: async (request) => ({
        message: await handler(request.body as Req, {
          from: request.from, deadlineNs: request.deadlineNs, afterReply: request.afterReply,
          ...(request.releaseTail ? { releasePayloads: request.releaseTail } : {}),
        }),
      }),
    });
  }

  registerRegion(sizeBytes: number): BulkRegion {
    if (!isCount(sizeBytes)) throw new FlyerError('INVALID_ARGUMENT', `region size ${sizeBytes} is not a byte count`);
    return this.#regions.register(sizeBytes);
  }

  async bulkWrite(region: BulkRegionRef, offsetBytes: number, payload: Payload, options?: CallOptions): Promise<void> {
    checkRefRange(region, offsetBytes, payload.sizeBytes);
    const base = { regionId: region.regionId, offsetBytes, sizeBytes: payload.sizeBytes };
    const body: BulkWriteBody = payload instanceof SyntheticPayload ? { ...base, synthetic: payload } : base;
    await this.#send(region.nodeId, {
      serviceId: TRANSPORT_SERVICE_ID, methodId: BULK_WRITE_METHOD_ID, label: 'transport.bulkWrite', body, options,
      tail: payload instanceof RealPayload ? [payload.bytes] : undefined,
    });
  }

  async bulkRead(region: BulkRegionRef, offsetBytes: number, lengthBytes: number, options?: CallOptions): Promise<Payload> {
    checkRefRange(region, offsetBytes, lengthBytes);
    const body: BulkReadBody = { regionId: region.regionId, offsetBytes, lengthBytes };
    const result = await this.#send(region.nodeId, {
      serviceId: TRANSPORT_SERVICE_ID, methodId: BULK_READ_METHOD_ID, label: 'transport.bulkRead', body, options,
    });
    const reply = result.message as Partial<BulkReadReply> | null;
    if (reply?.synthetic instanceof SyntheticPayload && reply.synthetic.sizeBytes === lengthBytes) return reply.synthetic;
    if (result.tail && result.tail.length === lengthBytes) return new RealPayload(compactView(result.tail));
    throw new FlyerError('RPC_FRAME_MALFORMED', `bulkRead reply from ${region.nodeId} does not carry ${lengthBytes} bytes`);
  }

  #send(to: NodeId, call: {
    serviceId: number; methodId: number; label: string; body: unknown; options: CallOptions | undefined; tail?: readonly Uint8Array[] | undefined;
  }): Promise<CallResult> {
    const timeoutNs = call.options?.timeoutNs ?? DEFAULT_RPC_TIMEOUT_NS;
    if (!isCount(timeoutNs)) {
      return Promise.reject(new FlyerError('INVALID_ARGUMENT', `${call.label}: timeoutNs ${timeoutNs} is not a non-negative integer`));
    }
    if (call.options?.signal?.aborted) return Promise.reject(new FlyerError('ABORTED', `${call.label} to ${to}`));
    if (timeoutNs === 0) return Promise.reject(new FlyerError('RPC_TIMEOUT', `${call.label} to ${to}: deadline already passed`));
    let encoded: EncodedMessage;
    const ownTail = call.tail ?? [];
    try {
      encoded = encodeEnvelopeOutOfBand(this.#nodeId, call.body, ownTail.reduce((sum, part) => sum + part.byteLength, 0));
    } catch (error) {
      return Promise.reject(new FlyerError('INVALID_ARGUMENT', `${call.label}: request does not encode`, { cause: error }));
    }
    // Payloads taken out of band follow the call's own raw bytes; checksums they know are joined in.
    const outOfBand = encoded.outOfBand.length > 0;
    return this.#client.call(to, {
      serviceId: call.serviceId, methodId: call.methodId, label: call.label, message: encoded.bytes,
      tail: outOfBand ? [...ownTail, ...encoded.outOfBand] : call.tail,
      tailCrc32c: outOfBand ? [...ownTail.map(() => undefined), ...encoded.outOfBandCrc32c] : undefined,
      timeoutNs, signal: call.options?.signal, receiveInto: call.options?.receiveInto,
    });
  }

  async #serveBulkWrite(request: InboundRequest): Promise<OutboundResponse> {
    const body = request.body as Partial<BulkWriteBody> | null;
    if (!isCount(body?.regionId) || !isCount(body.offsetBytes) || !isCount(body.sizeBytes)) {
      throw new FlyerError('RPC_FRAME_MALFORMED', `bulkWrite from ${request.from}: bad request body`);
    }
    const region = this.#regions.get(body.regionId);
    let payload: Payload;
    if (body.synthetic instanceof SyntheticPayload && body.synthetic.sizeBytes === body.sizeBytes && request.tail === undefined) {
      payload = body.synthetic;
    } else if (request.tail && request.tail.length === body.sizeBytes) {
      payload = new RealPayload(compactView(request.tail));
    } else {
      throw new FlyerError('RPC_FRAME_MALFORMED', `bulkWrite from ${request.from}: payload does not match sizeBytes ${body.sizeBytes}`);
    }
    region.write(body.offsetBytes, payload);
    return { message: null };
  }

  async #serveBulkRead(request: InboundRequest): Promise<OutboundResponse> {
    const body = request.body as Partial<BulkReadBody> | null;
    if (!isCount(body?.regionId) || !isCount(body.offsetBytes) || !isCount(body.lengthBytes)) {
      throw new FlyerError('RPC_FRAME_MALFORMED', `bulkRead from ${request.from}: bad request body`);
    }
    const region = this.#regions.get(body.regionId);
    const pieces = region.pieces(body.offsetBytes, body.lengthBytes);
    if (pieces.length > 0 && pieces.every((piece) => piece instanceof SyntheticPayload)) {
      // Contiguous pieces of one synthetic stream join into one identity; anything else goes as bytes.
      const joined = concatPayloads(pieces);
      if (joined instanceof SyntheticPayload) return { message: { sizeBytes: joined.sizeBytes, synthetic: joined } satisfies BulkReadReply };
      return { message: { sizeBytes: body.lengthBytes } satisfies BulkReadReply, tail: [materialize(joined)] };
    }
    // Real or mixed content goes out piece by piece in the raw tail, without joining the pieces first.
    return { message: { sizeBytes: body.lengthBytes } satisfies BulkReadReply, tail: pieces.map((piece) => materialize(piece)) };
  }
}

/**
 * Received bytes are views into socket buffers; a small payload that outlives its frame is copied so
 * it does not pin a much larger buffer (a 10-byte write holding a 64 KiB chunk).
 */
function compactView(bytes: Uint8Array): Uint8Array {
  // new Uint8Array(view) copies; Buffer#slice would not.
  return bytes.byteLength * 2 < bytes.buffer.byteLength ? new Uint8Array(bytes) : bytes;
}

/** Catches a range outside the region as the caller knows it, before any bytes move. */
function checkRefRange(region: BulkRegionRef, offsetBytes: number, lengthBytes: number): void {
  if (!isCount(offsetBytes) || !isCount(lengthBytes) || offsetBytes + lengthBytes > region.sizeBytes) {
    throw new FlyerError('RPC_REGION_BOUNDS',
      `[${offsetBytes}, +${lengthBytes}) outside region ${region.regionId} of ${region.sizeBytes} bytes on ${region.nodeId}`);
  }
}
