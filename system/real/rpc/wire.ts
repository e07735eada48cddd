import type { Socket } from 'node:net';
import { decodeMessage, encodeMessage, type EncodedMessage } from '../../env/codec.ts';
import { FlyerError } from '../../env/errors.ts';
import type { NodeId } from '../../env/types.ts';
import { encodeFrame, FrameKind, type EncodedFrame } from './frame.ts';

/**
 * Pieces shared by the TCP server and client: the request envelope, the error message, and a frame
 * writer that batches every frame written in one tick into a single writev.
 */

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** A request as a handler sees it, after the frame and its envelope are decoded. */
export interface InboundRequest {
  readonly from: NodeId;
  /** Absolute deadline on the server's monotonic clock. */
  readonly deadlineNs: number;
  readonly body: unknown;
  readonly tail: Uint8Array | undefined;
  /** Runs a callback once the reply's frame has been written, or dropped (RequestContext.afterReply). */
  readonly afterReply?: (callback: () => void) => void;
  /** Present when `tail` landed in a pooled buffer: gives it back (RequestContext.releasePayloads). */
  readonly releaseTail?: () => void;
}

export interface OutboundResponse {
  readonly message: unknown;
  /** Raw bytes sent after the message without MessagePack (bulk reads). */
  readonly tail?: readonly Uint8Array[];
}

export type RawHandler = (request: InboundRequest) => Promise<OutboundResponse>;

/** Request message: who is calling, and what it asks. */
interface RequestEnvelope {
  readonly from: NodeId;
  readonly body: unknown;
}

export function encodeEnvelope(from: NodeId, body: unknown): Uint8Array {
  return encodeMessage({ from, body } satisfies RequestEnvelope).bytes;
}

/**
 * The request envelope with large real payloads (chunk writes) taken out of band: they go to the
 * socket from the caller's buffer after the first `rawOffsetBytes` of the frame's raw tail, and the
 * server's decoder returns views of the received tail. Inline, each hop of a 1 MiB write copied it
 * into the encoder and out of the decoder again, in fresh buffers that kept the garbage collector busy.
 */
export function encodeEnvelopeOutOfBand(from: NodeId, body: unknown, rawOffsetBytes: number): EncodedMessage {
  return encodeMessage({ from, body } satisfies RequestEnvelope, { outOfBand: true, rawOffsetBytes });
}

/**
 * Decodes a request envelope; throws RPC_FRAME_MALFORMED when it is not one. `tail` is the frame's raw
 * tail, which out-of-band payloads in the body refer to (system/env/codec.ts); `tailCrc32c` its checksum
 * as the decoder computed it, which a payload that is the whole tail carries.
 */
export function decodeEnvelope(bytes: Uint8Array, tail?: Uint8Array, tailCrc32c?: number): RequestEnvelope {
  const value = decodeMessage(bytes, tail, undefined, tailCrc32c) as Partial<RequestEnvelope> | null;
  if (typeof value !== 'object' || value === null || typeof value.from !== 'string' || !('body' in value)) {
    throw new FlyerError('RPC_FRAME_MALFORMED', 'request message is not a {from, body} envelope');
  }
  return { from: value.from, body: value.body };
}

/** An error response frame; requestId 0 when the request it answers is unknown. */
export function encodeErrorFrame(requestId: number, error: FlyerError): EncodedFrame {
  const message = encodeMessage({ code: error.wireCode, detail: error.detail }).bytes;
  return encodeFrame({ kind: FrameKind.responseError, serviceId: 0, methodId: 0, requestId, timeoutNs: 0 }, message);
}

/** Rebuilds the FlyerError carried by an error response frame (RPC_FRAME_MALFORMED if it is not one). */
export function decodeErrorMessage(bytes: Uint8Array): FlyerError {
  let value: { code?: unknown; detail?: unknown } | null;
  try {
    value = decodeMessage(bytes) as { code?: unknown; detail?: unknown } | null;
  } catch (error) {
    return error as FlyerError;
  }
  if (typeof value !== 'object' || value === null || typeof value.code !== 'number') {
    return new FlyerError('RPC_FRAME_MALFORMED', 'error response is not a {code, detail} message');
  }
  return FlyerError.fromWire(value.code, typeof value.detail === 'string' ? value.detail : '');
}

/**
 * Writes frames to one socket. The first frame of a tick corks the socket and the uncork is deferred
 * to the next tick, so a burst of small calls or replies leaves in one writev instead of one syscall
 * each. Buffers are handed to the socket as they are: no copy.
 */
export class FrameWriter {
  readonly #socket: Socket;
  #corked = false;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /**
   * False when the socket can no longer take writes (the frame is dropped). `onWritten` runs once the
   * socket is done with the frame's buffers: written to the kernel, or dropped with the connection.
   */
  write(frame: EncodedFrame, onWritten?: () => void): boolean {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) {
      onWritten?.();
      return false;
    }
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    const parts = frame.parts;
    const last = parts.length - 1;
    for (let i = 0; i < last; i++) socket.write(parts[i]!);
    // Node calls a write's callback once that write is flushed, or with an error when the socket is
    // destroyed first; writes flush in order, so the last part's callback covers the whole frame.
    if (onWritten) socket.write(parts[last]!, () => onWritten());
    else socket.write(parts[last]!);
    return true;
  }
}
