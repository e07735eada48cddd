import { Packr, addExtension } from 'msgpackr';
import { FlyerError } from './errors.ts';
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

/** Synthetic bytes seen by the encoder during the current encode call (the encoder is synchronous). */
let syntheticBytesInEncode = 0;

addExtension({
  Class: RealPayload,
  type: EXT_REAL_PAYLOAD,
  write: (payload: RealPayload) => payload.bytes,
  read: (bytes: Uint8Array) => new RealPayload(bytes instanceof Buffer ? new Uint8Array(bytes) : bytes),
});

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
}

export function encodeMessage(message: unknown): EncodedMessage {
  syntheticBytesInEncode = 0;
  const bytes = packr.pack(message);
  const synthetic = syntheticBytesInEncode;
  syntheticBytesInEncode = 0;
  return { bytes, wireSizeBytes: bytes.length + synthetic };
}

export function decodeMessage(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes);
  } catch (error) {
    throw new FlyerError('RPC_FRAME_MALFORMED', `message body does not decode: ${(error as Error).message}`);
  }
}
