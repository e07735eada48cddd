import { assert } from '../../env/assert.ts';
import { crc32cCombine } from '../../env/crc32c-combine.ts';
import { frameCrc32c } from './frame-crc.ts';
import {
  BODY_HEADER_BYTES, DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, FrameFlags, FrameKind, MESSAGE_LENGTH_BYTES, parseBody, suspectRequestId, type Frame,
} from './frame.ts';

/** What the decoder found in the byte stream, in stream order. */
export type DecodeEvent =
  | { readonly type: 'frame'; readonly frame: Frame; readonly sizeBytes: number }
  /** The body did not match its checksum; the frame was skipped and decoding goes on. */
  | { readonly type: 'checksum-mismatch'; readonly suspectRequestId: number; readonly bodyLengthBytes: number }
  /** The checksum matched but the body is not a valid frame; skipped, decoding goes on. */
  | { readonly type: 'malformed'; readonly requestId: number; readonly reason: string }
  /**
   * The length prefix exceeds the limit. The stream cannot be resynchronised (the length may itself be
   * garbage), so the decoder stops: every later push is ignored.
   */
  | { readonly type: 'oversize'; readonly frameSizeBytes: number; readonly maxFrameBytes: number };

export interface FrameDecoderOptions {
  /** Largest frame accepted, header included. */
  readonly maxFrameBytes?: number;
  /** Called synchronously for each event, from inside push(). */
  readonly onEvent: (event: DecodeEvent) => void;
  /**
   * Direct reads of replies: where the raw tail of the reply to `requestId` should be received, if
   * its caller gave a buffer (CallOptions.receiveInto). Undefined, or too small: its own buffer.
   */
  readonly tailDestination?: (requestId: number, tailBytes: number) => Uint8Array | undefined;
  /**
   * The same for requests (a server's side): where the raw tail of an incoming request should be
   * received (chunk writes land in a pooled, 4 KiB-aligned buffer the chunk engine writes from).
   */
  readonly requestTailDestination?: (tailBytes: number) => Uint8Array | undefined;
}

/** A large body being read in place (direct reads). */
interface DirectBody {
  /** Where the reads land: the whole body, or only its raw tail when that goes to a caller's buffer. */
  readonly body: Uint8Array;
  filled: number;
  /** Checksum of everything of the body received so far; of the tail alone when the tail lands apart. */
  crc: number;
  /** When only the tail lands in `body`: the body up to the end of its message, and whose reply it is. */
  readonly head?: Uint8Array;
  /** The head's checksum, joined with the tail's at the end (the tail's own is the payload's checksum). */
  readonly headCrc?: number;
  readonly requestId?: number;
}

/** #startLanding's answer while a frame's head has not fully arrived. */
const WAIT = Symbol('wait');

/** Retained chunks beyond this many consumed slots are compacted away. */
const COMPACT_AFTER_CHUNKS = 64;

/** With direct reads, bodies at least this large are read from the socket into their own buffer. */
const DIRECT_BODY_MIN_BYTES = 256 * 1024;
/** With direct reads, everything else is read into a reused buffer of this size and copied out. */
const READ_SCRATCH_BYTES = 64 * 1024;

/**
 * Turns socket chunks into frames. Chunks are kept in a list and each byte is copied at most once:
 * a body inside one chunk is returned as a view of it, a body spanning chunks is gathered into one
 * buffer of exactly its size. The body length is learned first, so a large frame costs O(1) per chunk
 * until it is complete.
 *
 * Direct reads (sockets opened with net's `onread`, see {@link nextReadBuffer}): a large body is read
 * by the kernel straight into its own buffer, so it costs no per-read allocation (Node otherwise makes
 * a 64 KiB buffer per read, and the garbage collector pays for them) and no gathering copy.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #onEvent: (event: DecodeEvent) => void;
  #chunks: Uint8Array[] = [];
  /** Index of the first chunk still holding unread bytes. */
  #head = 0;
  /** Read position inside chunks[head]. */
  #headOffset = 0;
  #bufferedBytes = 0;
  /** Body length of the frame being assembled, or -1 before its header has arrived. */
  #bodyLengthBytes = -1;
  #bodyCrc = 0;
  #stopped = false;
  readonly #scratch = new Uint8Array(FRAME_HEADER_BYTES);
  /**
   * Direct reads: the body being read in place, how much of it has arrived, and the checksum of that
   * much (computed as each read lands, while its bytes are still in cache).
   */
  #direct: DirectBody | undefined;
  #readScratch: Buffer | undefined;
  readonly #tailDestination: FrameDecoderOptions['tailDestination'];
  readonly #requestTailDestination: FrameDecoderOptions['requestTailDestination'];
  readonly #headScratch = new Uint8Array(BODY_HEADER_BYTES + MESSAGE_LENGTH_BYTES);

  constructor(options: FrameDecoderOptions) {
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    assert(Number.isSafeInteger(this.#maxFrameBytes) && this.#maxFrameBytes > FRAME_HEADER_BYTES,
      `maxFrameBytes must be an integer above ${FRAME_HEADER_BYTES}, got ${this.#maxFrameBytes}`);
    this.#onEvent = options.onEvent;
    this.#tailDestination = options.tailDestination;
    this.#requestTailDestination = options.requestTailDestination;
  }

  /**
   * The request whose reply is being received into its caller's buffer right now, if any. The socket's
   * next read is already aimed at that buffer, so a caller that gives up on such a call must close the
   * connection before the buffer can be reused.
   */
  get landingRequestId(): number | undefined {
    return this.#direct?.requestId;
  }

  /** Bytes received but not yet part of a complete frame (non-zero at EOF means a truncated frame). */
  get bufferedBytes(): number {
    return this.#bufferedBytes + (this.#direct?.filled ?? 0);
  }

  /** True after an oversize frame: the stream is unusable. */
  get stopped(): boolean {
    return this.#stopped;
  }

  push(chunk: Uint8Array): void {
    if (this.#stopped || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#bufferedBytes += chunk.length;
    while (!this.#stopped) {
      if (this.#bodyLengthBytes < 0) {
        if (this.#bufferedBytes < FRAME_HEADER_BYTES) return;
        const header = this.#take(FRAME_HEADER_BYTES, this.#scratch);
        const view = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES);
        const bodyLengthBytes = view.getUint32(0, true);
        this.#bodyCrc = view.getUint32(4, true);
        const frameSizeBytes = FRAME_HEADER_BYTES + bodyLengthBytes;
        if (frameSizeBytes > this.#maxFrameBytes) {
          this.#stop();
          this.#onEvent({ type: 'oversize', frameSizeBytes, maxFrameBytes: this.#maxFrameBytes });
          return;
        }
        this.#bodyLengthBytes = bodyLengthBytes;
      }
      if (this.#bufferedBytes < this.#bodyLengthBytes) return;
      const body = this.#take(this.#bodyLengthBytes);
      this.#bodyLengthBytes = -1;
      this.#emitBody(body);
    }
  }

  /**
   * Direct reads: the buffer the socket's next read should fill (net.connect's `onread.buffer`, called
   * after every read). While a large body is arriving, the unfilled rest of that body's own buffer (a
   * read never returns more than the buffer offered, so it cannot run into the next frame); otherwise
   * a reused scratch buffer that {@link pushRead} copies out of.
   */
  nextReadBuffer(): Uint8Array {
    const direct = this.#direct;
    if (direct) return direct.body.subarray(direct.filled);
    if (!this.#stopped && this.#bodyLengthBytes >= DIRECT_BODY_MIN_BYTES) {
      const landing = this.#startLanding();
      if (landing !== undefined) return landing === WAIT ? this.#scratchBuffer() : landing;
      // The header and the start of the body came through the scratch buffer: move them into place.
      // Everything buffered belongs to this body, which would have been emitted if it were complete.
      const body = Buffer.allocUnsafe(this.#bodyLengthBytes);
      const filled = this.#bufferedBytes;
      if (filled > 0) {
        const start = this.#take(filled, body);
        // #take gathers into `body` only when the bytes span chunks; from a single chunk it gives a view.
        if (start.buffer !== body.buffer) body.set(start, 0);
      }
      this.#direct = { body, filled, crc: frameCrc32c(body.subarray(0, filled)) };
      return body.subarray(filled);
    }
    return this.#scratchBuffer();
  }

  #scratchBuffer(): Buffer {
    this.#readScratch ??= Buffer.allocUnsafe(READ_SCRATCH_BYTES);
    return this.#readScratch;
  }

  /**
   * A large reply with a raw tail whose caller gave a buffer (or a request whose server gave one): once
   * its head (body header and message) is buffered, moves the head aside and the start of the tail into
   * that buffer, and returns the rest of it for the next read. WAIT while the head is still incomplete;
   * undefined when the frame does not qualify, and the whole body is read into its own buffer instead.
   */
  #startLanding(): Uint8Array | typeof WAIT | undefined {
    if (this.#tailDestination === undefined && this.#requestTailDestination === undefined) return undefined;
    const fixedBytes = BODY_HEADER_BYTES + MESSAGE_LENGTH_BYTES;
    if (this.#bufferedBytes < fixedBytes) return WAIT;
    const fixed = this.#peek(fixedBytes, this.#headScratch);
    const view = new DataView(fixed.buffer, fixed.byteOffset, fixedBytes);
    const kind = fixed[1];
    const landable = (view.getUint16(6, true) & FrameFlags.rawTail) !== 0 && (kind === FrameKind.responseOk || kind === FrameKind.request);
    const requestId = suspectRequestId(fixed);
    const headBytes = fixedBytes + view.getUint32(BODY_HEADER_BYTES, true);
    // Anything odd (a bad version, a message running past the body) is left to the whole-body path,
    // which reports it.
    if (!landable || requestId === 0 || headBytes >= this.#bodyLengthBytes) return undefined;
    if (this.#bufferedBytes < headBytes) return WAIT;
    const tailBytes = this.#bodyLengthBytes - headBytes;
    const destination = kind === FrameKind.request ? this.#requestTailDestination?.(tailBytes) : this.#tailDestination?.(requestId, tailBytes);
    if (destination === undefined || destination.length < tailBytes) return undefined;
    const tail = destination.subarray(0, tailBytes);
    // Views of received chunks stay valid: chunks are never written again once pushed.
    const head = this.#take(headBytes);
    const headCrc = frameCrc32c(head);
    let crc = 0;
    // Everything still buffered belongs to this body's tail (a complete body would have been emitted).
    const filled = this.#bufferedBytes;
    if (filled > 0) {
      const start = this.#take(filled, tail);
      if (start.buffer !== tail.buffer || start.byteOffset !== tail.byteOffset) tail.set(start, 0);
      crc = frameCrc32c(tail.subarray(0, filled));
    }
    this.#direct = { body: tail, filled, crc, head, headCrc, requestId };
    return tail.subarray(filled);
  }

  /**
   * For sockets without direct reads (a server's: Node gives accepted sockets no `onread`): a chunk the
   * socket allocated goes where a direct read would have put it. Bytes of a large body or a landing
   * tail are copied into its own buffer as they come (one copy, as gathering the chunks cost), so the
   * chunk is garbage at once; anything else is pushed as a view, as {@link push} does.
   */
  pushChunk(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length && !this.#stopped; ) {
      const into = this.nextReadBuffer();
      const count = Math.min(into.length, chunk.length - at);
      if (this.#direct === undefined) {
        this.push(chunk.subarray(at, at + count));
      } else {
        into.set(chunk.subarray(at, at + count));
        this.pushRead(count, into);
      }
      at += count;
    }
  }

  /** Direct reads: the socket read `nread` bytes into `buffer`, the last one {@link nextReadBuffer} gave. */
  pushRead(nread: number, buffer: Uint8Array): void {
    const direct = this.#direct;
    if (direct === undefined) {
      // The scratch buffer is reused for the next read: keep a copy of what arrived.
      this.push(Buffer.from(buffer.subarray(0, nread)));
      return;
    }
    assert(buffer.buffer === direct.body.buffer && buffer.byteOffset === direct.body.byteOffset + direct.filled,
      'a direct read landed outside the body it was given');
    direct.crc = frameCrc32c(buffer.subarray(0, nread), direct.crc);
    direct.filled += nread;
    if (direct.filled < direct.body.length) return;
    this.#direct = undefined;
    this.#bodyLengthBytes = -1;
    if (direct.head) this.#emitBody(direct.head, crc32cCombine(direct.headCrc!, direct.crc, direct.body.length), direct.body, direct.crc);
    else this.#emitBody(direct.body, direct.crc);
  }

  /**
   * `crc` is the body's checksum when already computed (direct reads); `detachedTail` the body's raw
   * tail when it was received apart from the rest (`body` then ends with the message), and
   * `tailCrc32c` that tail's own checksum, which the frame passes on once the body's checks out.
   */
  #emitBody(body: Uint8Array, crc = frameCrc32c(body), detachedTail?: Uint8Array, tailCrc32c?: number): void {
    if (crc !== this.#bodyCrc) {
      const bodyLengthBytes = body.length + (detachedTail?.length ?? 0);
      this.#onEvent({ type: 'checksum-mismatch', suspectRequestId: suspectRequestId(body), bodyLengthBytes });
      return;
    }
    const parsed = parseBody(body, detachedTail);
    if (parsed.ok) {
      const frame = tailCrc32c === undefined ? parsed.frame : { ...parsed.frame, tailCrc32c };
      this.#onEvent({ type: 'frame', frame, sizeBytes: FRAME_HEADER_BYTES + body.length + (detachedTail?.length ?? 0) });
    } else {
      this.#onEvent({ type: 'malformed', requestId: parsed.requestId, reason: parsed.reason });
    }
  }

  /**
   * Consumes `length` buffered bytes: a view when they sit in one chunk, else a copy gathered into
   * `into` (or a fresh buffer of exactly `length` bytes).
   */
  #take(length: number, into?: Uint8Array): Uint8Array {
    assert(length <= this.#bufferedBytes, `take ${length} bytes with only ${this.#bufferedBytes} buffered`);
    if (length === 0) return new Uint8Array(0);
    this.#bufferedBytes -= length;
    const first = this.#chunks[this.#head]!;
    if (first.length - this.#headOffset >= length) {
      const view = first.subarray(this.#headOffset, this.#headOffset + length);
      this.#advance(length);
      return view;
    }
    const out = into ?? Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.#chunks[this.#head]!;
      const count = Math.min(chunk.length - this.#headOffset, length - filled);
      out.set(chunk.subarray(this.#headOffset, this.#headOffset + count), filled);
      filled += count;
      this.#advance(count);
    }
    return out.subarray(0, length);
  }

  /** The first `length` buffered bytes, copied into `into`, without consuming them. */
  #peek(length: number, into: Uint8Array): Uint8Array {
    assert(length <= this.#bufferedBytes && length <= into.length, `peek ${length} bytes with ${this.#bufferedBytes} buffered`);
    let filled = 0;
    for (let index = this.#head, offset = this.#headOffset; filled < length; index++, offset = 0) {
      const chunk = this.#chunks[index]!;
      const count = Math.min(chunk.length - offset, length - filled);
      into.set(chunk.subarray(offset, offset + count), filled);
      filled += count;
    }
    return into.subarray(0, length);
  }

  /** Moves the read position forward within the current chunk, dropping it once fully read. */
  #advance(count: number): void {
    this.#headOffset += count;
    const chunk = this.#chunks[this.#head]!;
    if (this.#headOffset < chunk.length) return;
    this.#head++;
    this.#headOffset = 0;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER_CHUNKS) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  #stop(): void {
    this.#stopped = true;
    this.#chunks = [];
    this.#head = 0;
    this.#headOffset = 0;
    this.#bufferedBytes = 0;
  }
}
