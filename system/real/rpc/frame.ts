import { assert, assertNonNegativeInteger } from '../../env/assert.ts';
import { crc32cCombine } from '../../env/crc32c-combine.ts';
import { frameCrc32c } from './frame-crc.ts';

/**
 * The RPC frame, all integers little-endian:
 *
 * ```
 * frame  = u32 bodyLength | u32 crc32c(body) | body
 * body   = u8 version (1) | u8 kind | u16 serviceId | u16 methodId | u16 flags
 *        | u32 requestId low | u32 requestId high | u32 timeoutNs low | u32 timeoutNs high
 *        | section
 * section = message                                       (flags without RAW_TAIL)
 *         | u32 messageLength | message | raw tail bytes   (flags with RAW_TAIL)
 * ```
 *
 * `message` is the codec's MessagePack (system/env/codec.ts). The raw tail carries bulk bytes next to a
 * message without passing them through MessagePack, so a 4 MiB bulk write is written to the socket from
 * the caller's buffer as is (writev) and never copied into an encoder buffer.
 *
 * Ids and timeouts are 64-bit on the wire but numbers in the API: both stay below 2^53.
 */
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 8;
export const BODY_HEADER_BYTES = 24;
export const MESSAGE_LENGTH_BYTES = 4;
/** 64 MiB; 3FS allows 512 MiB, but nothing here needs frames that large. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export const FrameKind = {
  request: 1,
  responseOk: 2,
  responseError: 3,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FrameFlags = {
  /** The section is `u32 messageLength | message | tail`. */
  rawTail: 1,
} as const;
const KNOWN_FLAGS = FrameFlags.rawTail;

const TWO_POW_32 = 4294967296;
/** High words above this would put a 64-bit value past 2^53. */
const MAX_SAFE_HIGH_WORD = 0x1fffff;

/** What a frame says besides its message. */
export interface FrameFields {
  readonly kind: FrameKind;
  readonly serviceId: number;
  readonly methodId: number;
  readonly requestId: number;
  /** Time the sender allows for the reply, as measured when it sent the frame (requests only). */
  readonly timeoutNs: number;
}

export interface Frame extends FrameFields {
  readonly flags: number;
  readonly message: Uint8Array;
  /** Raw bytes after the message, present exactly when the RAW_TAIL flag is set. */
  readonly tail: Uint8Array | undefined;
  /** The tail's own CRC32C, when the decoder computed it apart (a tail landed in its own buffer). */
  readonly tailCrc32c?: number;
}

/** A frame ready for the socket: write `parts` in order (they alias the caller's buffers). */
export interface EncodedFrame {
  readonly parts: readonly Uint8Array[];
  readonly sizeBytes: number;
}

function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % TWO_POW_32, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_POW_32), true);
}

/** Reads a 64-bit field, or returns -1 when it does not fit a safe integer. */
function readU64(view: DataView, offset: number): number {
  const high = view.getUint32(offset + 4, true);
  if (high > MAX_SAFE_HIGH_WORD) return -1;
  return high * TWO_POW_32 + view.getUint32(offset, true);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Builds a frame without copying `message` or `tail`: the checksum runs over the pieces in turn.
 * Pass `tail` (possibly empty) to send a raw tail; leave it undefined for a plain frame.
 * `tailCrc32c[i]`, when given, is tail[i]'s CRC32C, known already (a chunk the engine verified): it is
 * joined into the frame's checksum without reading the part (crc32c-combine.ts). A wrong value is
 * caught by the receiver's check, as a corrupted frame would be.
 */
export function encodeFrame(fields: FrameFields, message: Uint8Array, tail?: readonly Uint8Array[], tailCrc32c?: readonly (number | undefined)[]): EncodedFrame {
  assert(Number.isInteger(fields.serviceId) && fields.serviceId >= 0 && fields.serviceId <= 0xffff, `serviceId ${fields.serviceId} is not a u16`);
  assert(Number.isInteger(fields.methodId) && fields.methodId >= 0 && fields.methodId <= 0xffff, `methodId ${fields.methodId} is not a u16`);
  assertNonNegativeInteger(fields.requestId, 'requestId');
  assertNonNegativeInteger(fields.timeoutNs, 'timeoutNs');
  const hasTail = tail !== undefined;
  const prefixBytes = FRAME_HEADER_BYTES + BODY_HEADER_BYTES + (hasTail ? MESSAGE_LENGTH_BYTES : 0);
  let tailBytes = 0;
  if (hasTail) for (const part of tail) tailBytes += part.length;
  const bodyBytes = prefixBytes - FRAME_HEADER_BYTES + message.length + tailBytes;
  assert(bodyBytes <= 0xffffffff, `frame body of ${bodyBytes} bytes does not fit a u32 length`);

  const prefix = Buffer.allocUnsafe(prefixBytes);
  const view = viewOf(prefix);
  view.setUint32(0, bodyBytes, true);
  prefix[8] = FRAME_VERSION;
  prefix[9] = fields.kind;
  view.setUint16(10, fields.serviceId, true);
  view.setUint16(12, fields.methodId, true);
  view.setUint16(14, hasTail ? FrameFlags.rawTail : 0, true);
  writeU64(view, 16, fields.requestId);
  writeU64(view, 24, fields.timeoutNs);
  if (hasTail) view.setUint32(32, message.length, true);

  let crc = frameCrc32c(prefix.subarray(FRAME_HEADER_BYTES));
  crc = frameCrc32c(message, crc);
  const parts: Uint8Array[] = [prefix, message];
  if (hasTail) {
    for (let i = 0; i < tail.length; i++) {
      const part = tail[i]!;
      const known = tailCrc32c?.[i];
      crc = known === undefined ? frameCrc32c(part, crc) : crc32cCombine(crc, known, part.length);
      if (part.length > 0) parts.push(part);
    }
  }
  view.setUint32(4, crc, true);
  return { parts, sizeBytes: FRAME_HEADER_BYTES + bodyBytes };
}

/** One contiguous copy of a frame (tests and tools; the transport writes the parts). */
export function frameBytes(frame: EncodedFrame): Buffer {
  return Buffer.concat(frame.parts as Uint8Array[], frame.sizeBytes);
}

export type ParsedBody =
  | { readonly ok: true; readonly frame: Frame }
  | { readonly ok: false; readonly requestId: number; readonly reason: string };

/**
 * Best-effort request id of a body whose checksum failed, so the peer can fail the one call at once
 * instead of waiting for its timeout. 0 when the body is too short or its version byte is wrong.
 */
export function suspectRequestId(body: Uint8Array): number {
  if (body.length < 16 || body[0] !== FRAME_VERSION) return 0;
  return Math.max(readU64(viewOf(body), 8), 0);
}

/**
 * Validates and splits a body whose checksum already matched. `detachedTail`: the body's raw tail was
 * received into a buffer of its own (a caller's receive buffer), so `body` ends where its message ends.
 */
export function parseBody(body: Uint8Array, detachedTail?: Uint8Array): ParsedBody {
  if (body.length < BODY_HEADER_BYTES) {
    return { ok: false, requestId: 0, reason: `body of ${body.length} bytes is shorter than its ${BODY_HEADER_BYTES}-byte header` };
  }
  const view = viewOf(body);
  const requestId = readU64(view, 8);
  if (requestId < 0) return { ok: false, requestId: 0, reason: 'request id exceeds 2^53' };
  const fail = (reason: string): ParsedBody => ({ ok: false, requestId, reason });
  if (body[0] !== FRAME_VERSION) return fail(`frame version ${body[0]} is not ${FRAME_VERSION}`);
  const kind = body[1]!;
  if (kind !== FrameKind.request && kind !== FrameKind.responseOk && kind !== FrameKind.responseError) {
    return fail(`unknown frame kind ${kind}`);
  }
  const flags = view.getUint16(6, true);
  if ((flags & ~KNOWN_FLAGS) !== 0) return fail(`unknown frame flags 0x${flags.toString(16)}`);
  const timeoutNs = readU64(view, 16);
  if (timeoutNs < 0) return fail('timeout exceeds 2^53 ns');

  let message: Uint8Array;
  let tail: Uint8Array | undefined;
  if ((flags & FrameFlags.rawTail) !== 0) {
    const sectionBytes = body.length - BODY_HEADER_BYTES;
    if (sectionBytes < MESSAGE_LENGTH_BYTES) return fail('raw-tail frame lacks its message length');
    const messageBytes = view.getUint32(BODY_HEADER_BYTES, true);
    if (messageBytes > sectionBytes - MESSAGE_LENGTH_BYTES) {
      return fail(`message length ${messageBytes} exceeds the ${sectionBytes - MESSAGE_LENGTH_BYTES} bytes left`);
    }
    const messageStart = BODY_HEADER_BYTES + MESSAGE_LENGTH_BYTES;
    message = body.subarray(messageStart, messageStart + messageBytes);
    if (detachedTail !== undefined && messageStart + messageBytes !== body.length) {
      return fail(`message length ${messageBytes} does not end where the tail was split off`);
    }
    tail = detachedTail ?? body.subarray(messageStart + messageBytes);
  } else {
    if (detachedTail !== undefined) return fail('a tail was split off a frame without a raw tail');
    message = body.subarray(BODY_HEADER_BYTES);
  }
  return {
    ok: true,
    frame: {
      kind: kind as FrameKind,
      serviceId: view.getUint16(2, true),
      methodId: view.getUint16(4, true),
      flags,
      requestId,
      timeoutNs,
      message,
      tail,
    },
  };
}
