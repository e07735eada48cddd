import { assert, assertNonNegativeInteger } from '../../env/assert.ts';
import { decodeMessage, encodeMessage } from '../../env/codec.ts';
import { concatBytes } from '../../env/concat-bytes.ts';
import type { InodeId } from './types.ts';

/**
 * The metadata service's key schema, after 3FS (3fs-notes §1.2): a 4-byte ASCII prefix, then ids.
 *
 *   INOD <inode u64le>                        -> Inode
 *   DENT <parent u64le><name UTF-8>           -> DirEntry
 *   INOS <inode u64le><session id UTF-8>      -> FileSession
 *   IDEM <request id UTF-8>                   -> IdempotencyRecord
 *   GCQU <removed µs u64be><inode u64le>      -> GcEntry        (due entries first)
 *   MSRV <node id UTF-8>                      -> ActiveServer    (meta servers alive, for owner routing and GC)
 *   IDAL <shard u64be>                        -> number          (inode id allocator blocks)
 *
 * Inode ids are little-endian, as in 3FS, so sequential ids spread over a range-partitioned KV; all
 * entries of one directory share the DENT+parent prefix, so listing is one range read. Values are
 * MessagePack, the wire codec.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function prefix(text: string): Uint8Array {
  assert(text.length === 4, 'key prefixes are 4 bytes');
  return encoder.encode(text);
}

const INOD = prefix('INOD');
const DENT = prefix('DENT');
const INOS = prefix('INOS');
const IDEM = prefix('IDEM');
const GCQU = prefix('GCQU');
const MSRV = prefix('MSRV');
const IDAL = prefix('IDAL');

const TWO_32 = 2 ** 32;

// Byte arithmetic on two 32-bit halves, no BigInt and no eagerly built assertion message: keys are
// built several times per operation, and both showed up in a meta server's profile (~10% together).
function u64le(value: number): Uint8Array {
  assertNonNegativeInteger(value, 'id');
  const bytes = new Uint8Array(8);
  writeU32le(bytes, 0, value % TWO_32);
  writeU32le(bytes, 4, Math.floor(value / TWO_32));
  return bytes;
}

function u64be(value: number): Uint8Array {
  assertNonNegativeInteger(value, 'value');
  const bytes = new Uint8Array(8);
  writeU32be(bytes, 0, Math.floor(value / TWO_32));
  writeU32be(bytes, 4, value % TWO_32);
  return bytes;
}

function writeU32le(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = value >>> 24;
}

function writeU32be(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/** The smallest key greater than every key that starts with `bytes`. */
export function prefixEnd(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  return concatBytes([out, new Uint8Array([0xff])]);
}

export const keys = {
  inode: (id: InodeId): Uint8Array => concatBytes([INOD, u64le(id)]),
  dirEntry: (parentId: InodeId, name: string): Uint8Array => concatBytes([DENT, u64le(parentId), encoder.encode(name)]),
  dirEntries: (parentId: InodeId): Uint8Array => concatBytes([DENT, u64le(parentId)]),
  session: (inodeId: InodeId, sessionId: string): Uint8Array => concatBytes([INOS, u64le(inodeId), encoder.encode(sessionId)]),
  sessions: (inodeId: InodeId): Uint8Array => concatBytes([INOS, u64le(inodeId)]),
  allSessions: (): Uint8Array => INOS,
  idempotency: (requestId: string): Uint8Array => concatBytes([IDEM, encoder.encode(requestId)]),
  allIdempotency: (): Uint8Array => IDEM,
  // Wall-clock ns are past 2^53, so queue keys hold microseconds (as 3FS timestamps do).
  gcEntry: (removedNs: number, inodeId: InodeId): Uint8Array => concatBytes([GCQU, u64be(Math.floor(removedNs / 1000)), u64le(inodeId)]),
  gcDueBefore: (ns: number): Uint8Array => concatBytes([GCQU, u64be(Math.floor(ns / 1000))]),
  gcQueue: (): Uint8Array => GCQU,
  server: (nodeId: string): Uint8Array => concatBytes([MSRV, encoder.encode(nodeId)]),
  servers: (): Uint8Array => MSRV,
  idBlock: (shard: number): Uint8Array => concatBytes([IDAL, u64be(shard)]),
};

/** The name part of a DENT key. */
export function nameOfDirEntryKey(key: Uint8Array): string {
  return decoder.decode(key.subarray(DENT.length + 8));
}

export function encodeValue(value: unknown): Uint8Array {
  return encodeMessage(value).bytes;
}

export function decodeValue<T>(bytes: Uint8Array): T {
  return decodeMessage(bytes) as T;
}
