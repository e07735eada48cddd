import { createServer, Socket, type Server } from 'node:net';
import { encodeMessage } from '../../env/codec.ts';
import { FlyerError, toFlyerError, type ErrorCode } from '../../env/errors.ts';
import type { Logger } from '../../env/log.ts';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameKind, type EncodedFrame, type Frame } from './frame.ts';
import { FrameDecoder, type DecodeEvent } from './frame-decoder.ts';
import { readBufferPool, type PooledBuffer } from '../chunk-engine/read-pool.ts';
import type { HandlerTable } from './handler-table.ts';
import { decodeEnvelope, encodeErrorFrame, FrameWriter, type PeerAddress } from './wire.ts';

export interface TcpServerOptions {
  readonly handlers: HandlerTable;
  readonly nowNs: () => number;
  readonly log: Logger;
  readonly maxFrameBytes?: number;
  /** Told about every coded error the server answers with (metrics). */
  readonly onErrorReply?: (code: ErrorCode) => void;
}

/**
 * After an oversize frame the server replies and half-closes; a peer that keeps the connection open
 * past this grace period is cut off.
 */
const OVERSIZE_CLOSE_GRACE_MS = 2_000;

/**
 * Serves RPC frames on a TCP port. A connection is never trusted: bad checksums, malformed bodies and
 * unknown methods get coded error frames and the connection goes on; an oversize frame gets an error
 * frame and the connection is closed (its length cannot be trusted to resynchronise). No input closes
 * the server or disturbs other connections.
 */
export class TcpServer {
  readonly #options: TcpServerOptions;
  readonly #maxFrameBytes: number;
  readonly #connections = new Set<ServerConnection>();
  #server: Server | undefined;

  constructor(options: TcpServerOptions) {
    this.#options = options;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Starts listening; port 0 picks a free port. Resolves with the bound address. */
  listen(address: PeerAddress): Promise<PeerAddress> {
    if (this.#server) return Promise.reject(new FlyerError('INVALID_ARGUMENT', 'tcp server is already listening'));
    // Half-open: a peer that sends its last request and shuts down its side still gets its replies.
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        this.#server = undefined;
        reject(new FlyerError('INVALID_ARGUMENT', `cannot listen on ${address.host}:${address.port}: ${error.message}`, { cause: error }));
      };
      server.once('error', onError);
      server.listen(address.port, address.host, () => {
        server.off('error', onError);
        this.#acceptWithDirectReads(server);
        server.on('error', (error) => this.#options.log.error('rpc server error', { error: error.message }));
        const bound = server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
        resolve({ host: address.host, port });
      });
    });
  }

  /** Stops accepting and drops every connection; replies still in flight are lost. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: Socket | ((onread: DirectReads) => Socket)): void {
    const connection = new ServerConnection({
      socket,
      server: this.#options,
      maxFrameBytes: this.#maxFrameBytes,
      onClose: () => this.#connections.delete(connection),
    });
    this.#connections.add(connection);
  }

  /**
   * Node gives accepted sockets no `onread` (direct reads): every read lands in a fresh 64 KiB buffer
   * that the decoder then copies chunk payloads out of, which cost storage nodes a copy of every byte
   * written plus the collection of those buffers. So accepted connections are wrapped here, as Node's
   * own accept does, but in a Socket with `onread`. This uses the listening handle's `onconnection`,
   * which is Node internals: where it is missing, connections come through Node's accept as before.
   */
  #acceptWithDirectReads(server: Server): void {
    const handle = (server as unknown as { _handle?: { onconnection?: (status: number, client?: unknown) => void } })._handle;
    if (typeof handle?.onconnection !== 'function') return;
    handle.onconnection = (status, client) => {
      if (status < 0 || client === undefined || client === null) {
        this.#options.log.debug('rpc accept failed', { status });
        return;
      }
      try {
        this.#accept((onread) => new Socket({ handle: client as never, allowHalfOpen: true, readable: true, writable: true, onread } as never));
      } catch (error) {
        // One connection that cannot be set up must not take the server (or its process) down.
        this.#options.log.warn('rpc accept failed', { error: (error as Error).message });
        (client as { close?: () => void }).close?.();
      }
    };
  }
}

/** net.Socket's `onread` option. */
interface DirectReads {
  readonly buffer: () => Uint8Array;
  readonly callback: (nread: number, buffer: Uint8Array) => boolean;
}

class ServerConnection {
  readonly #socket: Socket;
  readonly #options: TcpServerOptions;
  readonly #maxFrameBytes: number;
  readonly #writer: FrameWriter;
  readonly #decoder: FrameDecoder;
  readonly #remote: string;
  #inFlight = 0;
  #peerEnded = false;
  /** The pooled buffer a request's raw tail is landing in right now, until its frame is decoded. */
  #landing: PooledBuffer | undefined;

  /** `socket`: one Node accepted (its reads copied into place), or how to make one with direct reads. */
  constructor(options: { socket: Socket | ((onread: DirectReads) => Socket); server: TcpServerOptions; maxFrameBytes: number; onClose: () => void }) {
    this.#options = options.server;
    this.#maxFrameBytes = options.maxFrameBytes;
    const decoder = new FrameDecoder({
      maxFrameBytes: this.#maxFrameBytes,
      onEvent: (event) => this.#onEvent(event),
      requestTailDestination: (tailBytes) => this.#lendTail(tailBytes),
    });
    this.#decoder = decoder;
    if (typeof options.socket === 'function') {
      this.#socket = options.socket({
        buffer: () => decoder.nextReadBuffer(),
        callback: (nread, buffer) => {
          decoder.pushRead(nread, buffer);
          return true;
        },
      });
    } else {
      this.#socket = options.socket;
      this.#socket.on('data', (chunk: Buffer) => decoder.pushChunk(chunk));
    }
    this.#writer = new FrameWriter(this.#socket);
    this.#remote = `${this.#socket.remoteAddress}:${this.#socket.remotePort}`;
    this.#socket.setNoDelay(true);
    this.#socket.on('end', () => this.#onPeerEnd());
    // Resets and the like are the peer's business; 'close' follows and cleans up.
    this.#socket.on('error', (error) => this.#options.log.debug('rpc connection error', { remote: this.#remote, error: error.message }));
    this.#socket.on('close', options.onClose);
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onPeerEnd(): void {
    this.#peerEnded = true;
    if (this.#decoder.bufferedBytes > 0) {
      this.#options.log.debug('rpc peer closed mid-frame', { remote: this.#remote, bufferedBytes: this.#decoder.bufferedBytes });
    }
    this.#endIfIdle();
  }

  #endIfIdle(): void {
    if (this.#peerEnded && this.#inFlight === 0 && !this.#socket.destroyed) this.#socket.end();
  }

  /**
   * Large request tails (chunk writes) land in pooled, 4 KiB-aligned buffers: no buffer to allocate
   * (and collect) per request, and the chunk engine writes such a payload to disk without a copy.
   */
  #lendTail(tailBytes: number): Uint8Array {
    this.#landing = readBufferPool.take(tailBytes);
    return this.#landing.bytes;
  }

  /** The pooled buffer `frame`'s tail landed in, taken off the connection; undefined for any other tail. */
  #landedTail(frame: Frame): PooledBuffer | undefined {
    const landing = this.#landing;
    if (landing === undefined || frame.tail === undefined || frame.tail.buffer !== landing.bytes.buffer) return undefined;
    this.#landing = undefined;
    return landing;
  }

  #onEvent(event: DecodeEvent): void {
    // A tail that landed in a frame that failed its checks is simply left to the garbage collector.
    if (event.type !== 'frame') this.#landing = undefined;
    switch (event.type) {
      case 'frame': {
        const landed = this.#landedTail(event.frame);
        if (event.frame.kind !== FrameKind.request) {
          this.#replyError(event.frame.requestId, new FlyerError('RPC_FRAME_MALFORMED', `server got a frame of kind ${event.frame.kind}, not a request`));
        } else {
          void this.#dispatch(event.frame, landed);
        }
        return;
      }
      case 'checksum-mismatch':
        this.#options.log.warn('rpc frame checksum mismatch', { remote: this.#remote, bodyLengthBytes: event.bodyLengthBytes });
        this.#replyError(event.suspectRequestId, new FlyerError('RPC_FRAME_CHECKSUM', `body of ${event.bodyLengthBytes} bytes`));
        return;
      case 'malformed':
        this.#options.log.warn('rpc frame malformed', { remote: this.#remote, reason: event.reason });
        this.#replyError(event.requestId, new FlyerError('RPC_FRAME_MALFORMED', event.reason));
        return;
      case 'oversize':
        this.#options.log.warn('rpc frame too large', { remote: this.#remote, frameSizeBytes: event.frameSizeBytes });
        this.#replyError(0, new FlyerError('RPC_FRAME_TOO_LARGE', `frame of ${event.frameSizeBytes} bytes exceeds ${event.maxFrameBytes}`));
        this.#socket.end();
        setTimeout(() => this.#socket.destroy(), OVERSIZE_CLOSE_GRACE_MS).unref();
        return;
    }
  }

  async #dispatch(frame: Frame, landed: PooledBuffer | undefined): Promise<void> {
    this.#inFlight++;
    // What the handler lent its reply (pooled read buffers) goes back once the reply frame is written;
    // an error reply carries none of it, so then at once.
    const afterReply: Array<() => void> = [];
    const replied = (): void => {
      for (const callback of afterReply.splice(0)) callback();
    };
    try {
      this.#send(frame.requestId, await this.#handle(frame, (callback) => afterReply.push(callback), landed?.release), replied);
    } catch (error) {
      this.#replyError(frame.requestId, toFlyerError(error));
      replied();
    } finally {
      this.#inFlight--;
      this.#endIfIdle();
    }
  }

  /** Runs the handler and encodes its reply; every failure surfaces as a thrown coded error. */
  async #handle(frame: Frame, afterReply: (callback: () => void) => void, releaseTail: (() => void) | undefined): Promise<EncodedFrame> {
    // A payload that is the whole landed tail carries the checksum computed as it arrived, so the
    // chunk engine does not read it again to verify the write's checksum.
    const envelope = decodeEnvelope(frame.message, frame.tail, frame.tailCrc32c);
    if (frame.timeoutNs === 0) {
      throw new FlyerError('RPC_DEADLINE_PASSED', `service ${frame.serviceId} method ${frame.methodId} from ${envelope.from}`);
    }
    const handler = this.#options.handlers.get(frame.serviceId, frame.methodId);
    if (!handler) {
      throw new FlyerError('RPC_UNKNOWN_METHOD', `service ${frame.serviceId} method ${frame.methodId}`);
    }
    const deadlineNs = this.#options.nowNs() + frame.timeoutNs;
    const response = await handler({
      from: envelope.from, deadlineNs, body: envelope.body, tail: frame.tail, afterReply, ...(releaseTail ? { releaseTail } : {}),
    });
    // Large real payloads in the reply (inline chunk reads) go in the raw tail after the handler's own
    // raw bytes, straight from their buffers: no copy into the encoder. As with bulk tails, the bytes
    // must stay unchanged until the frame is written (a change after encoding fails the peer's CRC check).
    let rawBytes = 0;
    for (const part of response.tail ?? []) rawBytes += part.byteLength;
    const encoded = encodeMessage(response.message, { outOfBand: true, rawOffsetBytes: rawBytes });
    // Checksums the payloads already know (verified chunk reads) are joined in, not recomputed.
    const own = response.tail ?? [];
    const tail = encoded.outOfBand.length > 0 ? [...own, ...encoded.outOfBand] : response.tail;
    const tailCrc32c = encoded.outOfBand.length > 0 ? [...own.map(() => undefined), ...encoded.outOfBandCrc32c] : undefined;
    return encodeFrame({ kind: FrameKind.responseOk, serviceId: frame.serviceId, methodId: frame.methodId, requestId: frame.requestId, timeoutNs: 0 },
      encoded.bytes, tail, tailCrc32c);
  }

  #send(requestId: number, frame: EncodedFrame, onWritten: () => void): void {
    if (frame.sizeBytes > this.#maxFrameBytes) {
      this.#replyError(requestId, new FlyerError('RPC_FRAME_TOO_LARGE', `response of ${frame.sizeBytes} bytes exceeds ${this.#maxFrameBytes}`));
      onWritten();
      return;
    }
    this.#writer.write(frame, onWritten);
  }

  #replyError(requestId: number, error: FlyerError): void {
    this.#options.onErrorReply?.(error.code);
    this.#writer.write(encodeErrorFrame(requestId, error));
  }
}
