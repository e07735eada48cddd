/**
 * Byte strings end to end, for KV keys and log batches. Two or more parts give a fresh array; a lone
 * part is returned as it is, not copied, because a group commit of one record is the log's common case.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
