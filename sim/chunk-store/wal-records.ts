/**
 * Records of the simulated chunk store's write-ahead log and their framing on disk:
 * [u32 body length][u32 CRC32C of the body][MessagePack body], little-endian. A record torn by a crash
 * fails its length or checksum, and recovery stops at the first such record.
 */
import { assert } from '../../system/env/assert.ts';
import { decodeMessage, encodeMessage } from '../../system/env/codec.ts';
import { crc32c } from '../../system/env/crc32c.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import type { Payload } from '../../system/env/payload.ts';

/** The update a commit made durable, replayed on top of the previous committed version at recovery. */
export type WalOp =
  | { readonly k: 'write'; readonly off: number; readonly p: Payload }
  | { readonly k: 'replace'; readonly p: Payload }
  | { readonly k: 'truncate'; readonly len: number }
  | { readonly k: 'remove' };

export type WalRecord =
  /** Ends a generation file's snapshot: the file is valid (its checkpoint complete) only if present. */
  | { readonly t: 'ready' }
  /** A committed version in full (snapshots). */
  | { readonly t: 'chunk'; readonly id: string; readonly v: number; readonly cv: number; readonly crc: number; readonly c: Payload }
  /** A commit, as the update it applied; `crc` lets recovery check its replay. */
  | { readonly t: 'commit'; readonly id: string; readonly v: number; readonly cv: number; readonly crc: number; readonly op: WalOp }
  /** Chunks deleted by removeRange. */
  | { readonly t: 'remove'; readonly ids: readonly string[] };

const HEADER_BYTES = 8;
/** No record is this large; a length beyond it is garbage, not a record. */
const RECORD_BYTES_MAX = 1 << 30;

export function frameRecord(record: WalRecord): Uint8Array {
  const body = encodeMessage(record).bytes;
  assert(body.length <= RECORD_BYTES_MAX, `WAL record of ${body.length} bytes`);
  const out = new Uint8Array(HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, true);
  view.setUint32(4, crc32c(body), true);
  out.set(body, HEADER_BYTES);
  return out;
}

export interface ParsedLog {
  readonly records: WalRecord[];
  /** Bytes up to the end of the last intact record; anything after it is a torn tail. */
  readonly validBytes: number;
  readonly ready: boolean;
}

export function parseLog(bytes: Uint8Array): ParsedLog {
  const records: WalRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let ready = false;
  while (at + HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(at, true);
    if (length > RECORD_BYTES_MAX || at + HEADER_BYTES + length > bytes.length) break;
    const body = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
    if (crc32c(body) !== view.getUint32(at + 4, true)) break;
    const record = decodeRecord(body);
    if (record === undefined) break;
    if (record.t === 'ready') ready = true;
    records.push(record);
    at += HEADER_BYTES + length;
  }
  return { records, validBytes: at, ready };
}

function decodeRecord(body: Uint8Array): WalRecord | undefined {
  try {
    const record = decodeMessage(body) as WalRecord;
    return typeof record === 'object' && record !== null && typeof record.t === 'string' ? record : undefined;
  } catch (error) {
    if (isFlyerError(error)) return undefined;
    throw error;
  }
}
