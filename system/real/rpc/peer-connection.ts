import { connect, type Socket } from 'node:net';
import { assert } from '../../env/assert.ts';
import { decodeMessage } from '../../env/codec.ts';
import { FlyerError } from '../../env/errors.ts';
import type { Logger } from '../../env/log.ts';
import { encodeFrame, FrameKind, type Frame } from './frame.ts';
import { FrameDecoder, type DecodeEvent } from './frame-decoder.ts';
import { decodeErrorMessage, FrameWriter, type PeerAddress } from './wire.ts';

export interface OutboundCall {
  readonly serviceId: number;
  readonly methodId: number;
  /** `service.method` for error details. */
  readonly label: string;
  /** The encoded request envelope. */
  readonly message: Uint8Array;
  readonly tail?: readonly Uint8Array[];
  /** Per tail part, its CRC32C when already known (encodeFrame joins it in without reading the part). */
  readonly tailCrc32c?: readonly (number | undefined)[];
  readonly timeoutNs: number;
  readonly signal?: AbortSignal;
  /** Where the reply's raw tail and real payloads should land (CallOptions.receiveInto). */
  readonly receiveInto?: Uint8Array;
}

export interface CallResult {
  readonly message: unknown;
  readonly tail: Uint8Array | undefined;
}

interface PendingCall {
  readonly label: string;
  readonly receiveInto: Uint8Array | undefined;
  readonly resolve: (result: CallResult) => void;
  readonly reject: (error: FlyerError) => void;
}

/** Node's timers take at most 2^31-1 ms; longer deadlines are clamped (24.8 days is forever here). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One client connection to one peer: connects on construction, multiplexes calls by request id, and
 * fails every pending call when the connection goes (RPC_UNREACHABLE if it never came up,
 * RPC_CONNECTION_CLOSED after). A closed connection is never reused: the pool makes a new one.
 */
export class PeerConnection {
  readonly #peer: string;
  readonly #address: PeerAddress;
  readonly #maxFrameBytes: number;
  readonly #log: Logger;
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #writer: FrameWriter;
  readonly #pending = new Map<number, PendingCall>();
  #nextRequestId = 1;
  #connected = false;
  #closed = false;
  /** Overrides the generic close error (e.g. the server said our frame was too large). */
  #closeError: FlyerError | undefined;
  #socketError: Error | undefined;

  constructor(options: { peer: string; address: PeerAddress; maxFrameBytes: number; log: Logger; onClose: () => void }) {
    this.#peer = options.peer;
    this.#address = options.address;
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#log = options.log;
    const decoder = new FrameDecoder({
      maxFrameBytes: this.#maxFrameBytes,
      onEvent: (event) => this.#onEvent(event),
      tailDestination: (requestId) => this.#pending.get(requestId)?.receiveInto,
    });
    this.#decoder = decoder;
    // Direct reads: large reply bodies (4 MiB chunk reads) land in their own buffer, or their raw tail
    // in the caller's receive buffer (FrameDecoder).
    this.#socket = connect({
      host: this.#address.host,
      port: this.#address.port,
      noDelay: true,
      onread: {
        buffer: () => decoder.nextReadBuffer(),
        callback: (nread, buffer) => {
          decoder.pushRead(nread, buffer);
          return true;
        },
      },
    });
    this.#writer = new FrameWriter(this.#socket);
    this.#socket.setKeepAlive(true, 10_000);
    this.#socket.on('connect', () => {
      this.#connected = true;
    });
    this.#socket.on('error', (error) => {
      this.#socketError = error;
    });
    this.#socket.on('close', () => {
      this.#closed = true;
      this.#failAll(this.#closeError ?? this.#closedError());
      options.onClose();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  call(call: OutboundCall): Promise<CallResult> {
    assert(!this.#closed, `call on a closed connection to ${this.#peer}`);
    if (call.signal?.aborted) return Promise.reject(new FlyerError('ABORTED', `${call.label} to ${this.#peer} aborted before sending`));
    const requestId = this.#nextRequestId++;
    const frame = encodeFrame({ kind: FrameKind.request, serviceId: call.serviceId, methodId: call.methodId, requestId, timeoutNs: call.timeoutNs },
      call.message, call.tail, call.tailCrc32c);
    if (frame.sizeBytes > this.#maxFrameBytes) {
      return Promise.reject(new FlyerError('RPC_FRAME_TOO_LARGE', `${call.label} request of ${frame.sizeBytes} bytes exceeds ${this.#maxFrameBytes}`));
    }
    return new Promise<CallResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        giveUp();
        reject(new FlyerError('RPC_TIMEOUT', `${call.label} to ${this.#peer} after ${call.timeoutNs} ns`));
      }, Math.min(Math.ceil(call.timeoutNs / 1e6), MAX_TIMER_MS));
      const onAbort = (): void => {
        giveUp();
        reject(new FlyerError('ABORTED', `${call.label} to ${this.#peer}`));
      };
      // A reply landing in the caller's buffer has the socket's next read aimed at that buffer: only
      // closing the connection stops it, and the caller may reuse the buffer as soon as we reject.
      const giveUp = (): void => {
        const landing = this.#decoder.landingRequestId === requestId;
        settle();
        if (landing) this.destroy(`${call.label} gave up while its reply was landing in the caller's buffer`);
      };
      // Every way out goes through settle, so no timer or listener outlives its call.
      const settle = (): void => {
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(requestId);
      };
      call.signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(requestId, {
        label: call.label,
        receiveInto: call.receiveInto,
        resolve: (result) => { settle(); resolve(result); },
        reject: (error) => { settle(); reject(error); },
      });
      this.#writer.write(frame);
    });
  }

  /** Drops the connection; pending calls fail with RPC_CONNECTION_CLOSED. */
  destroy(detail = 'client closed'): void {
    this.#closeError ??= new FlyerError('RPC_CONNECTION_CLOSED', `${this.#peer}: ${detail}`);
    this.#socket.destroy();
  }

  #closedError(): FlyerError {
    const where = `${this.#peer} at ${this.#address.host}:${this.#address.port}`;
    const cause = this.#socketError ? `: ${this.#socketError.message}` : '';
    return this.#connected
      ? new FlyerError('RPC_CONNECTION_CLOSED', `${where}${cause}`, { cause: this.#socketError })
      : new FlyerError('RPC_UNREACHABLE', `${where}${cause}`, { cause: this.#socketError });
  }

  #failAll(error: FlyerError): void {
    for (const pending of [...this.#pending.values()]) pending.reject(error);
  }

  #onEvent(event: DecodeEvent): void {
    switch (event.type) {
      case 'frame':
        this.#onFrame(event.frame);
        return;
      case 'checksum-mismatch':
        this.#log.warn('rpc reply checksum mismatch', { peer: this.#peer, bodyLengthBytes: event.bodyLengthBytes });
        this.#pending.get(event.suspectRequestId)?.reject(new FlyerError('RPC_FRAME_CHECKSUM', `reply from ${this.#peer}`));
        return;
      case 'malformed':
        this.#log.warn('rpc reply malformed', { peer: this.#peer, reason: event.reason });
        this.#pending.get(event.requestId)?.reject(new FlyerError('RPC_FRAME_MALFORMED', `reply from ${this.#peer}: ${event.reason}`));
        return;
      case 'oversize':
        this.#closeError = new FlyerError('RPC_FRAME_TOO_LARGE', `reply of ${event.frameSizeBytes} bytes from ${this.#peer} exceeds ${event.maxFrameBytes}`);
        this.#socket.destroy();
        return;
    }
  }

  #onFrame(frame: Frame): void {
    if (frame.kind === FrameKind.request) {
      this.#log.warn('rpc client got a request frame', { peer: this.#peer });
      return;
    }
    if (frame.kind === FrameKind.responseError && frame.requestId === 0) {
      // The server could not tell which request it answers; the error usually precedes a close.
      const error = decodeErrorMessage(frame.message);
      this.#log.warn('rpc error without a request id', { peer: this.#peer, error: error.message });
      if (error.code === 'RPC_FRAME_TOO_LARGE') this.#closeError = error;
      return;
    }
    const pending = this.#pending.get(frame.requestId);
    if (!pending) return; // timed out or aborted already
    if (frame.kind === FrameKind.responseError) {
      pending.reject(decodeErrorMessage(frame.message));
      return;
    }
    try {
      pending.resolve({ message: decodeMessage(frame.message, frame.tail, pending.receiveInto), tail: frame.tail });
    } catch (error) {
      pending.reject(error instanceof FlyerError ? error : new FlyerError('RPC_FRAME_MALFORMED', `reply to ${pending.label} from ${this.#peer}`));
    }
  }
}
