import { decodeMessage, encodeMessage, type EncodedMessage } from '../system/env/codec.ts';
import { FlyerError, toFlyerError } from '../system/env/errors.ts';
import { payloadDigest, type Payload } from '../system/env/payload.ts';
import { RegionBuffer } from '../system/env/region-buffer.ts';
import {
  DEFAULT_RPC_TIMEOUT_NS, type BulkRegion, type BulkRegionRef, type CallOptions, type NodeId, type Rpc, type RpcHandler,
  type RpcMethod,
} from '../system/env/types.ts';
import type { SimNode } from './node-runtime.ts';

/** How SimRpc reaches other nodes: the Simulation routes bytes through fault injection and the network model. */
export interface SimFabric {
  nodeById(id: NodeId): SimNode | undefined;
  /** Moves `sizeBytes` from one node to another; `onArrive` runs (a model callback) unless the message is lost. */
  transmit(from: SimNode, to: SimNode, sizeBytes: number, traceValue: number, onArrive: () => void): void;
  rpcOf(node: SimNode): SimRpc | undefined;
}

/** Bytes of framing a real transport adds per message (frame header, request ids, method ids). */
const FRAME_OVERHEAD_BYTES = 32;

type Outcome = { ok: true; bytes: Uint8Array; wireSizeBytes: number } | { ok: false; wire: number; detail: string };

/**
 * RPC for one node incarnation. Every request and response is encoded with the wire codec and moved
 * through the fabric, so the network model sees its size and faults can drop, delay or duplicate it.
 * A response is delivered as a wake of the caller's incarnation: after a crash it never arrives.
 */
export class SimRpc implements Rpc {
  readonly #handlers = new Map<number, RpcHandler<unknown, unknown>>();
  readonly #regions = new Map<number, RegionBuffer>();
  #nextRegionId = 1;

  constructor(private readonly node: SimNode, private readonly incarnation: number, private readonly fabric: SimFabric) {}

  serve<Req, Res>(method: RpcMethod<Req, Res>, handler: RpcHandler<Req, Res>): void {
    this.#handlers.set(methodKey(method.serviceId, method.methodId), handler as RpcHandler<unknown, unknown>);
  }

  call<Req, Res>(to: NodeId, method: RpcMethod<Req, Res>, request: Req, options: CallOptions = {}): Promise<Res> {
    const key = methodKey(method.serviceId, method.methodId);
    // Encode now: the request is what it was when sent, whatever the caller does with it afterwards.
    const encoded = encodeMessage(request);
    return this.#exchange(to, options, (target) => {
      const sizeBytes = encoded.wireSizeBytes + FRAME_OVERHEAD_BYTES;
      return { sizeBytes, traceValue: key, serve: (from, deadlineNs) => target.#handle(key, encoded.bytes, from, deadlineNs) };
    }).then((bytes) => decodeMessage(bytes, undefined, options.receiveInto) as Res);
  }

  registerRegion(sizeBytes: number): BulkRegion {
    const regionId = this.#nextRegionId++;
    const buffer = new RegionBuffer(sizeBytes);
    this.#regions.set(regionId, buffer);
    const ref: BulkRegionRef = { nodeId: this.node.id, regionId, sizeBytes };
    return {
      ref,
      read: (offsetBytes, lengthBytes) => buffer.read(offsetBytes, lengthBytes),
      write: (offsetBytes, payload) => buffer.write(offsetBytes, payload),
      release: () => {
        this.#regions.delete(regionId);
      },
    };
  }

  bulkWrite(region: BulkRegionRef, offsetBytes: number, payload: Payload, options: CallOptions = {}): Promise<void> {
    return this.#exchange(region.nodeId, options, (target) => ({
      sizeBytes: payload.sizeBytes + FRAME_OVERHEAD_BYTES,
      traceValue: payloadDigest(payload),
      serve: async () => {
        target.#region(region.regionId).write(offsetBytes, payload);
        return EMPTY_REPLY;
      },
    })).then(() => undefined);
  }

  bulkRead(region: BulkRegionRef, offsetBytes: number, lengthBytes: number, options: CallOptions = {}): Promise<Payload> {
    let result: Payload | undefined;
    return this.#exchange(region.nodeId, options, (target) => ({
      sizeBytes: FRAME_OVERHEAD_BYTES,
      traceValue: lengthBytes,
      serve: async () => {
        result = target.#region(region.regionId).read(offsetBytes, lengthBytes);
        return EMPTY_REPLY;
      },
      responseExtraBytes: () => result?.sizeBytes ?? 0,
    })).then(() => result!);
  }

  #region(regionId: number): RegionBuffer {
    const region = this.#regions.get(regionId);
    if (!region) throw new FlyerError('RPC_UNKNOWN_REGION', `region ${regionId} on ${this.node.id}`);
    return region;
  }

  async #handle(key: number, bytes: Uint8Array, from: NodeId, deadlineNs: number): Promise<EncodedMessage> {
    const handler = this.#handlers.get(key);
    if (!handler) throw new FlyerError('RPC_UNKNOWN_METHOD', `service ${key >>> 16} method ${key & 0xffff} on ${this.node.id}`);
    // Encoding copies every byte of the reply, so what the handler lent it is free again right after.
    const afterReply: Array<() => void> = [];
    try {
      const response = await handler(decodeMessage(bytes), { from, deadlineNs, afterReply: (callback) => afterReply.push(callback) });
      // The reply is charged its wire size, synthetic payloads included, so inline read data loads the network.
      return encodeMessage(response);
    } finally {
      for (const callback of afterReply) callback();
    }
  }

  /**
   * One request/response exchange: send the request, run `serve` on the target's current incarnation,
   * send the outcome back, resolve on the caller's incarnation unless the deadline passed first.
   */
  #exchange(
    to: NodeId,
    options: CallOptions,
    prepare: (target: SimRpc) => {
      sizeBytes: number;
      traceValue: number;
      serve: (from: NodeId, deadlineNs: number) => Promise<EncodedMessage>;
      responseExtraBytes?: () => number;
    },
  ): Promise<Uint8Array> {
    const caller = this.node;
    const callerIncarnation = this.incarnation;
    const kernel = caller.kernel;
    const targetNode = this.fabric.nodeById(to);
    if (!targetNode) return Promise.reject(new FlyerError('RPC_UNREACHABLE', `no node named ${to}`));
    const timeoutNs = options.timeoutNs ?? DEFAULT_RPC_TIMEOUT_NS;
    const deadlineNs = kernel.nowNs + timeoutNs;
    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => settle(new FlyerError('ABORTED', `call to ${to}`));
      const settle = (outcome: Outcome | FlyerError): void => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        if (outcome instanceof FlyerError) reject(outcome);
        else if (outcome.ok) resolve(outcome.bytes);
        else reject(FlyerError.fromWire(outcome.wire, outcome.detail));
      };
      kernel.scheduleWake(deadlineNs, caller.index, callerIncarnation, () =>
        settle(new FlyerError('RPC_TIMEOUT', `to ${to} after ${timeoutNs} ns`)));
      if (options.signal) {
        if (options.signal.aborted) return settle(new FlyerError('ABORTED', `call to ${to}`));
        options.signal.addEventListener('abort', onAbort, { once: true });
      }
      const targetRpc = this.fabric.rpcOf(targetNode);
      const request = targetRpc ? prepare(targetRpc) : undefined;
      const sizeBytes = request?.sizeBytes ?? FRAME_OVERHEAD_BYTES;
      this.fabric.transmit(caller, targetNode, sizeBytes, request?.traceValue ?? 0, () => {
        // The request arrives: it is served by whichever incarnation of the target is alive now.
        const liveRpc = this.fabric.rpcOf(targetNode);
        if (!targetNode.up || !liveRpc || kernel.nowNs > deadlineNs) return;
        const served = liveRpc === targetRpc && request ? request : prepare(liveRpc);
        const servingIncarnation = targetNode.incarnation;
        targetNode.wakeNow(servingIncarnation, () => {
          served.serve(caller.id, deadlineNs).then(
            (encoded) => this.#reply(targetNode, { ok: true, bytes: encoded.bytes, wireSizeBytes: encoded.wireSizeBytes }, served.responseExtraBytes?.() ?? 0, settle, callerIncarnation),
            (error: unknown) => {
              const coded = toFlyerError(error);
              this.#reply(targetNode, { ok: false, wire: coded.wireCode, detail: coded.detail }, 0, settle, callerIncarnation);
            },
          );
        });
      });
    });
  }

  #reply(from: SimNode, outcome: Outcome, extraBytes: number, settle: (o: Outcome) => void, callerIncarnation: number): void {
    const sizeBytes = FRAME_OVERHEAD_BYTES + extraBytes + (outcome.ok ? outcome.wireSizeBytes : 16 + outcome.detail.length);
    this.fabric.transmit(from, this.node, sizeBytes, outcome.ok ? 1 : outcome.wire, () => {
      if (!this.node.isCurrent(callerIncarnation)) return;
      this.node.wakeNow(callerIncarnation, () => settle(outcome));
    });
  }
}

const EMPTY_REPLY: EncodedMessage = encodeMessage(null);

function methodKey(serviceId: number, methodId: number): number {
  return ((serviceId & 0xffff) << 16 | (methodId & 0xffff)) >>> 0;
}
