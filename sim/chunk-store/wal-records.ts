/**
 * Records of the simulated chunk store's write-ahead log and their framing on disk:
 * [u32 body length][u32 CRC32C of the body][MessagePack body], little-endian. A record torn by a crash
 * fails its length or checksum, and recovery stops at the first such record.
 */
import { assert } from '../../system/env/assert.ts';
import { decodeMessage, encodeMessage } from '../../system/env/codec.ts';
import { frameBody, scanFrames } from '../../system/env/checksummed-frames.ts';
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

/** No record is this large; a length beyond it is garbage, not a record. */
const RECORD_BYTES_MAX = 1 << 30;

export function frameRecord(record: WalRecord): Uint8Array {
  const body = encodeMessage(record).bytes;
  assert(body.length <= RECORD_BYTES_MAX, `WAL record of ${body.length} bytes`);
  return frameBody(body);
}

export interface ParsedLog {
  readonly records: WalRecord[];
  /** Bytes up to the end of the last intact record; anything after it is a torn tail. */
  readonly validBytes: number;
  readonly ready: boolean;
}

export function parseLog(bytes: Uint8Array): ParsedLog {
  const records: WalRecord[] = [];
  let at = 0;
  let ready = false;
  for (const { body, endBytes } of scanFrames(bytes, RECORD_BYTES_MAX)) {
    const record = decodeRecord(body);
    if (record === undefined) break;
    if (record.t === 'ready') ready = true;
    records.push(record);
    at = endBytes;
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
