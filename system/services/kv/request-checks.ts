import { FlyerError } from '../../env/errors.ts';
import type { KvLimits } from './messages.ts';

/**
 * Parsing of the KV service's requests, which come from the network and are trusted for nothing: every
 * field is checked and every byte string copied (a decoded message's bytes may be views of the frame it
 * arrived in, which a store must not keep alive, let alone keep a reference into). Anything malformed
 * is refused with a coded error before it reaches a store.
 */

/** Store names become file names (data_dir/kv/<name>.wal): nothing that could climb out of the directory. */
const STORE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Transaction and commit ids are short printable strings. */
const ID_LENGTH_MAX = 200;
/** Entries of one commit: its byte size bounds them too, but empty keys and values weigh nothing. */
export const COMMIT_ENTRIES_MAX = 1 << 20;

export function malformed(detail: string): FlyerError {
  return new FlyerError('INVALID_ARGUMENT', `kv request: ${detail}`);
}

export function record(request: unknown): Record<string, unknown> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw malformed('not an object');
  return request as Record<string, unknown>;
}

export function storeName(value: unknown): string {
  if (typeof value !== 'string' || !STORE_NAME.test(value)) throw malformed(`store must match ${STORE_NAME.source}`);
  return value;
}

export function id(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > ID_LENGTH_MAX) throw malformed(`${field} must be a string of 1-${ID_LENGTH_MAX} characters`);
  return value;
}

export function flag(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw malformed(`${field} must be a boolean`);
  return value;
}

/** A positive integer limit, or undefined for none. */
export function limit(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) <= 0) throw malformed('limit must be a positive integer');
  return value as number;
}

/** A fresh copy of a byte string field. */
export function bytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw malformed(`${field} must be bytes`);
  // A plain Uint8Array copy, even of a Buffer (whose slice() is a view).
  return new Uint8Array(value);
}

export function key(value: unknown, limits: KvLimits, field = 'key'): Uint8Array {
  const out = bytes(value, field);
  if (out.length > limits.keySizeMaxBytes) throw new FlyerError('KV_KEY_TOO_LARGE', `${field}: ${out.length} bytes > ${limits.keySizeMaxBytes}`);
  return out;
}

export function value(raw: unknown, limits: KvLimits): Uint8Array {
  const out = bytes(raw, 'value');
  if (out.length > limits.valueSizeMaxBytes) throw new FlyerError('KV_VALUE_TOO_LARGE', `${out.length} bytes > ${limits.valueSizeMaxBytes}`);
  return out;
}

export interface ParsedWrites {
  readonly clears: Array<readonly [Uint8Array, Uint8Array]>;
  readonly writes: Array<readonly [Uint8Array, Uint8Array | null]>;
}

/** The clears and writes of a commit, sized against the transaction limit. */
export function writes(request: Record<string, unknown>, limits: KvLimits): ParsedWrites {
  const rawClears = request['clears'];
  const rawWrites = request['writes'];
  if (!Array.isArray(rawClears) || !Array.isArray(rawWrites)) throw malformed('clears and writes must be arrays');
  if (rawClears.length + rawWrites.length > COMMIT_ENTRIES_MAX) throw malformed(`more than ${COMMIT_ENTRIES_MAX} entries in one commit`);
  let sizeBytes = 0;
  const grow = (n: number): void => {
    sizeBytes += n;
    if (sizeBytes > limits.transactionSizeMaxBytes) throw new FlyerError('KV_TRANSACTION_TOO_LARGE', `${sizeBytes} bytes > ${limits.transactionSizeMaxBytes}`);
  };
  const clears = rawClears.map((entry: unknown) => {
    const [begin, end] = pair(entry, 'clears');
    const range = [key(begin, limits, 'clear begin'), key(end, limits, 'clear end')] as const;
    grow(range[0].length + range[1].length);
    return range;
  });
  const puts = rawWrites.map((entry: unknown) => {
    const [k, v] = pair(entry, 'writes');
    const write = [key(k, limits), v === null ? null : value(v, limits)] as const;
    grow(write[0].length + (write[1]?.length ?? 0));
    return write;
  });
  return { clears, writes: puts };
}

function pair(entry: unknown, field: string): [unknown, unknown] {
  if (!Array.isArray(entry) || entry.length !== 2) throw malformed(`${field} entries must be pairs`);
  return [entry[0], entry[1]];
}
