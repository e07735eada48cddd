import { Packr, addExtension } from 'msgpackr';
import { FlyerError, isFlyerError } from './errors.ts';
import { RealPayload, SyntheticPayload } from './payload.ts';

/**
 * The message codec shared by both modes: MessagePack (msgpackr) with extensions for payloads. Real
 * mode sends these bytes over TCP; simulation round-trips every message through the same codec, so a
 * message that would not survive the wire fails in simulation too, and sender and receiver never share
 * mutable objects.
 *
 * Synthetic payloads encode as their identity (a few bytes) but count their full size towards the
 * bytes a network model moves: `encodeMessage` reports both.
 */
const EXT_REAL_PAYLOAD = 0x21;
const EXT_SYNTHETIC_PAYLOAD = 0x22;
const EXT_OUT_OF_BAND = 0x23;

/**
 * Out of band: a transport with a raw section next to the message (real mode's frame tail) may ask for
 * real payloads of at least this size to travel there instead of inside the MessagePack: the encoder
 * then writes a reference (offset and length in the raw section) and hands the bytes back untouched,
 * so a 4 MiB chunk goes to the socket from the caller's buffer (no copy into the encoder), and the
 * decoder returns a view of the received raw section. Smaller payloads stay inline.
 */
export const OUT_OF_BAND_MIN_BYTES = 64 * 1024;

/** Synthetic bytes seen by the encoder during the current encode call (the encoder is synchronous). */
let syntheticBytesInEncode = 0;
/** Where the current encode call puts large real payloads, if its caller takes them out of band. */
let outOfBandInEncode: { parts: Uint8Array[]; crc32c: (number | undefined)[]; endBytes: number } | undefined;
/** The raw section the current decode call resolves out-of-band references against. */
let rawSectionInDecode: Uint8Array | undefined;
/** That raw section's CRC32C, when the transport computed it over the bytes as they arrived. */
let rawCrc32cInDecode: number | undefined;
/** Where the current decode call places real payloads (the caller's receive buffer), and how much is used. */
let landingInDecode: { readonly bytes: Uint8Array; usedBytes: number } | undefined;

/** A real payload's place in the raw section: what the message carries instead of its bytes. */
class OutOfBandRef {
  constructor(readonly offsetBytes: number, readonly sizeBytes: number) {}
}

addExtension({
  Class: RealPayload,
  type: EXT_REAL_PAYLOAD,
  // Inline, the bytes are copied into the encoding and copied out again when decoded; out of band
  // they are neither.
  write: (payload: RealPayload) => {
    const bytes = payload.bytes;
    if (outOfBandInEncode === undefined || bytes.byteLength < OUT_OF_BAND_MIN_BYTES) return bytes;
    const ref = new OutOfBandRef(outOfBandInEncode.endBytes, bytes.byteLength);
    outOfBandInEncode.parts.push(bytes);
    outOfBandInEncode.crc32c.push(payload.knownCrc32c);
    outOfBandInEncode.endBytes += bytes.byteLength;
    return ref;
  },
  read: (value: Uint8Array | OutOfBandRef) => {
    const bytes = value instanceof OutOfBandRef ? outOfBandBytes(value) : value;
    const landed = land(bytes);
    if (landed) return new RealPayload(landed);
    if (value instanceof OutOfBandRef) return new RealPayload(bytes, wholeRawSectionCrc32c(value));
    return new RealPayload(value instanceof Buffer ? new Uint8Array(value) : value);
  },
});

addExtension({
  Class: OutOfBandRef,
  type: EXT_OUT_OF_BAND,
  write: (ref: OutOfBandRef) => [ref.offsetBytes, ref.sizeBytes],
  read: (fields: unknown) => {
    const [offsetBytes, sizeBytes] = Array.isArray(fields) ? (fields as unknown[]) : [];
    if (!isCount(offsetBytes) || !isCount(sizeBytes)) throw new FlyerError('RPC_FRAME_MALFORMED', 'bad out-of-band payload reference');
    return new OutOfBandRef(offsetBytes, sizeBytes);
  },
});

/** The raw section's CRC32C, for the payload that is that whole section (one large chunk write). */
function wholeRawSectionCrc32c(ref: OutOfBandRef): number | undefined {
  return ref.offsetBytes === 0 && ref.sizeBytes === rawSectionInDecode?.byteLength ? rawCrc32cInDecode : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A view of the raw section, not a copy: out-of-band payloads are large and together make up that
 * section, and the transport gives every frame its own memory, which nothing writes again.
 */
function outOfBandBytes(ref: OutOfBandRef): Uint8Array {
  const raw = rawSectionInDecode;
  if (raw === undefined || ref.offsetBytes + ref.sizeBytes > raw.byteLength) {
    throw new FlyerError('RPC_FRAME_MALFORMED', `out-of-band payload [${ref.offsetBytes}, +${ref.sizeBytes}) outside a raw section of ${raw?.byteLength ?? 0} bytes`);
  }
  return new Uint8Array(raw.buffer, raw.byteOffset + ref.offsetBytes, ref.sizeBytes);
}

/**
 * Places a decoded payload's bytes in the landing buffer, if the decode call has one: nothing to do
 * when the transport already received them there; else a copy at the next free place, if they fit.
 * Undefined when there is no landing buffer or no room left in it.
 */
function land(bytes: Uint8Array): Uint8Array | undefined {
  const landing = landingInDecode;
  if (landing === undefined) return undefined;
  if (isWithin(bytes, landing.bytes)) return bytes;
  if (landing.usedBytes + bytes.byteLength > landing.bytes.byteLength) return undefined;
  const placed = landing.bytes.subarray(landing.usedBytes, landing.usedBytes + bytes.byteLength);
  placed.set(bytes);
  landing.usedBytes += bytes.byteLength;
  return placed;
}

function isWithin(inner: Uint8Array, outer: Uint8Array): boolean {
  return inner.buffer === outer.buffer && inner.byteOffset >= outer.byteOffset &&
    inner.byteOffset + inner.byteLength <= outer.byteOffset + outer.byteLength;
}

addExtension({
  Class: SyntheticPayload,
  type: EXT_SYNTHETIC_PAYLOAD,
  write: (payload: SyntheticPayload) => {
    syntheticBytesInEncode += payload.sizeBytes;
    return [payload.contentSeed, payload.offsetBytes, payload.sizeBytes];
  },
  read: (fields: [number, number, number]) => new SyntheticPayload(fields[0], fields[1], fields[2]),
});

const packr = new Packr({ useRecords: false, moreTypes: true, int64AsType: 'number' });

export interface EncodedMessage {
  readonly bytes: Uint8Array;
  /** Bytes a network carries for this message: the encoding plus every synthetic payload's size. */
  readonly wireSizeBytes: number;
  /**
   * With `outOfBand`: the bytes of the payloads taken out of band, in reference order, to be sent
   * right after the raw section's first `rawOffsetBytes` bytes (empty when none was large enough).
   */
  readonly outOfBand: readonly Uint8Array[];
  /** Per out-of-band part, its CRC32C when its payload knew it (RealPayload.knownCrc32c), else undefined. */
  readonly outOfBandCrc32c: readonly (number | undefined)[];
}

export interface EncodeOptions {
  /** Take real payloads of OUT_OF_BAND_MIN_BYTES or more out of band (see EncodedMessage.outOfBand). */
  readonly outOfBand?: boolean;
  /** Bytes of the raw section before the out-of-band payloads (the transport's own raw bytes). */
  readonly rawOffsetBytes?: number;
}

const NONE: readonly Uint8Array[] = Object.freeze([]);
const NO_CRCS: readonly (number | undefined)[] = Object.freeze([]);

export function encodeMessage(message: unknown, options: EncodeOptions = {}): EncodedMessage {
  syntheticBytesInEncode = 0;
  const outOfBand = options.outOfBand === true ? { parts: [] as Uint8Array[], crc32c: [] as (number | undefined)[], endBytes: options.rawOffsetBytes ?? 0 } : undefined;
  outOfBandInEncode = outOfBand;
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(message);
  } finally {
    outOfBandInEncode = undefined;
  }
  const synthetic = syntheticBytesInEncode;
  syntheticBytesInEncode = 0;
  const taken = outOfBand !== undefined && outOfBand.parts.length > 0;
  return { bytes, wireSizeBytes: bytes.length + synthetic, outOfBand: taken ? outOfBand.parts : NONE, outOfBandCrc32c: taken ? outOfBand.crc32c : NO_CRCS };
}

/**
 * Decodes a message; `rawSection` is what out-of-band payload references point into (real mode's frame
 * tail). With `landing` (CallOptions.receiveInto), real payloads are placed in it while they fit; a raw
 * section the transport received into `landing` stays where it is, and copies go after it.
 * `rawCrc32c`: the raw section's CRC32C as the transport computed it over the received bytes; a
 * payload that is the whole section carries it (RealPayload.knownCrc32c).
 */
export function decodeMessage(bytes: Uint8Array, rawSection?: Uint8Array, landing?: Uint8Array, rawCrc32c?: number): unknown {
  rawSectionInDecode = rawSection;
  rawCrc32cInDecode = rawCrc32c;
  landingInDecode = landing === undefined ? undefined : {
    bytes: landing,
    usedBytes: rawSection !== undefined && isWithin(rawSection, landing) ? rawSection.byteOffset - landing.byteOffset + rawSection.byteLength : 0,
  };
  try {
    return packr.unpack(bytes);
  } catch (error) {
    if (isFlyerError(error, 'RPC_FRAME_MALFORMED')) throw error;
    throw new FlyerError('RPC_FRAME_MALFORMED', `message body does not decode: ${(error as Error).message}`);
  } finally {
    rawSectionInDecode = undefined;
    rawCrc32cInDecode = undefined;
    landingInDecode = undefined;
  }
}
