/**
 * valsort's 280-byte summary (valsort -o) decoded in TypeScript, so a workload can read per-partition
 * record counts and checksums without another process. Layout (x86-64 native): five 128-bit counters,
 * each as two little-endian u64 (high word first): first unordered record, unordered count, records,
 * duplicate keys, checksum; then the first and the last 100-byte record.
 */
import { FlyerError } from '../env/errors.ts';

export const SUMMARY_BYTES = 280;

export interface ValsortSummary {
  readonly firstUnordered: bigint;
  readonly unordered: bigint;
  readonly records: bigint;
  readonly duplicates: bigint;
  readonly checksum: bigint;
  readonly firstRecord: Buffer;
  readonly lastRecord: Buffer;
}

function u128(buf: Buffer, at: number): bigint {
  return (buf.readBigUInt64LE(at) << 64n) | buf.readBigUInt64LE(at + 8);
}

export function decodeSummary(buf: Buffer): ValsortSummary {
  if (buf.length !== SUMMARY_BYTES) throw new FlyerError('INVALID_ARGUMENT', `a valsort summary is ${SUMMARY_BYTES} bytes, got ${buf.length}`);
  return {
    firstUnordered: u128(buf, 0),
    unordered: u128(buf, 16),
    records: u128(buf, 32),
    duplicates: u128(buf, 48),
    checksum: u128(buf, 64),
    firstRecord: buf.subarray(80, 180),
    lastRecord: buf.subarray(180, 280),
  };
}

/** Every summary in a concatenation of summaries, in order. */
export function decodeSummaries(buf: Buffer): ValsortSummary[] {
  if (buf.length % SUMMARY_BYTES !== 0) throw new FlyerError('INVALID_ARGUMENT', `${buf.length} bytes is not a whole number of ${SUMMARY_BYTES}-byte summaries`);
  const out: ValsortSummary[] = [];
  for (let at = 0; at < buf.length; at += SUMMARY_BYTES) out.push(decodeSummary(buf.subarray(at, at + SUMMARY_BYTES)));
  return out;
}
