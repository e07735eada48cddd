/**
 * One request of a Mooncake trace (kvcache-ai/Mooncake FAST25-release traces), in its own field names so
 * traces read from files and traces from the generator are the same shape and can be written back as JSONL:
 * - `timestamp`: arrival, ms since the trace's start;
 * - `input_length` / `output_length`: prompt and generated tokens;
 * - `hash_ids`: one id per block of the prompt (the last, partial block has one too). An id names a block
 *   together with every block before it (a prefix-chained hash), so equal ids mean reusable KV cache and a
 *   request can only hit a contiguous prefix.
 */
export interface MooncakeRecord {
  readonly timestamp: number;
  readonly input_length: number;
  readonly output_length: number;
  readonly hash_ids: readonly number[];
}

/** Tokens in block `index` of a request: full blocks, then what is left for the last one. */
export function blockTokens(record: MooncakeRecord, index: number, tokensPerBlock: number): number {
  return Math.min(tokensPerBlock, record.input_length - index * tokensPerBlock);
}

/** The record as one JSONL line (the key order of Mooncake's files). */
export function recordLine(record: MooncakeRecord): string {
  return JSON.stringify({ timestamp: record.timestamp, input_length: record.input_length, output_length: record.output_length, hash_ids: record.hash_ids });
}
