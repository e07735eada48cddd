/** Test records for the GraySort record-cutting code: 100-byte records that are all different. */
export const RECORD = 100;

/** `records` records, each filled with a byte pattern unique to it (and to `seed`). */
export function patternRecords(records: number, seed = 0): Buffer {
  const bytes = Buffer.alloc(records * RECORD);
  for (let r = 0; r < records; r++) for (let i = 0; i < RECORD; i++) bytes[r * RECORD + i] = (seed * 31 + r * 13 + i * (r % 7 + 1)) & 0xff;
  return bytes;
}

/** Every record in `views` as hex, sorted: equal lists mean the same records, each as often. */
export function sortedRecordsHex(views: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  for (const view of views) {
    if (view.length % RECORD !== 0) throw new Error(`a view of ${view.length} bytes is not whole records`);
    for (let at = 0; at < view.length; at += RECORD) out.push(Buffer.from(view.subarray(at, at + RECORD)).toString('hex'));
  }
  return out.sort();
}
