import { FlyerError } from '../../env/errors.ts';
import { jsonLineParser } from './json-line-parser.ts';
import type { MooncakeRecord } from './trace-record.ts';

export interface TraceParseOptions {
  /** Names the input in messages (a path). */
  readonly source: string;
  /** Tokens per block of the trace: `hash_ids` must hold ceil(input_length / tokensPerBlock) ids. */
  readonly tokensPerBlock: number;
  /** Count and skip bad lines instead of failing on the first one. */
  readonly skipBadLines?: boolean;
}

export interface ParsedTrace {
  /** In timestamp order (stable: equal timestamps keep file order). */
  readonly records: MooncakeRecord[];
  /** Non-blank lines seen. */
  readonly lines: number;
  /** Lines skipped (only with skipBadLines). */
  readonly badLines: number;
  /** The first few skipped lines' messages, for the report. */
  readonly badLineMessages: string[];
  readonly parser: string;
}

const KEPT_MESSAGES = 5;

/**
 * Parses a Mooncake JSONL trace. A malformed or truncated line is an error naming its line number (or,
 * with skipBadLines, is counted and reported): a trace is never silently read wrong. A last line without
 * a newline that does not parse is called truncated, which is what a cut-off copy looks like.
 */
export function parseTraceText(text: string, options: TraceParseOptions): ParsedTrace {
  const parser = jsonLineParser();
  const records: MooncakeRecord[] = [];
  const badLineMessages: string[] = [];
  let badLines = 0;
  let lines = 0;
  let sorted = true;
  let start = 0;
  for (let lineNumber = 1; start < text.length; lineNumber++) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    if (line.trim() === '') continue;
    lines++;
    const problem = (detail: string): void => {
      const message = `${options.source} line ${lineNumber}: ${detail}`;
      if (!options.skipBadLines) throw new FlyerError('KVCACHE_TRACE_INVALID', message);
      badLines++;
      if (badLineMessages.length < KEPT_MESSAGES) badLineMessages.push(message);
    };
    let value: unknown;
    try {
      value = parser.parse(line);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      problem(newline < 0 ? `truncated record (the file ends inside this line, no newline, and it is not valid JSON: ${why})` : `not valid JSON (${why})`);
      continue;
    }
    const checked = checkRecord(value, options.tokensPerBlock);
    if (typeof checked === 'string') {
      problem(checked);
      continue;
    }
    if (records.length > 0 && checked.timestamp < records[records.length - 1]!.timestamp) sorted = false;
    records.push(checked);
  }
  // Mooncake's traces are in time order; a hand-made one need not be, and replay wants it.
  if (!sorted) records.sort((a, b) => a.timestamp - b.timestamp);
  return { records, lines, badLines, badLineMessages, parser: parser.name };
}

/** The record, or what is wrong with it. */
export function checkRecord(value: unknown, tokensPerBlock: number): MooncakeRecord | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected a JSON object, got ${describe(value)}`;
  const fields = value as Record<string, unknown>;
  const timestamp = fields['timestamp'];
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) return `timestamp must be a non-negative number of ms, got ${describe(timestamp)}`;
  for (const key of ['input_length', 'output_length']) {
    const count = fields[key];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) return `${key} must be a non-negative integer, got ${describe(count)}`;
  }
  const ids = fields['hash_ids'];
  if (!Array.isArray(ids)) return `hash_ids must be an array, got ${describe(ids)}`;
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    // Ids past 2^53 would have lost precision in parsing: refuse rather than merge two blocks.
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return `hash_ids[${i}] must be a non-negative safe integer, got ${describe(id)}`;
  }
  const inputLength = fields['input_length'] as number;
  const blocks = Math.ceil(inputLength / tokensPerBlock);
  if (ids.length !== blocks) {
    return `${ids.length} hash_ids for input_length ${inputLength}, but ${tokensPerBlock}-token blocks need ${blocks} (set tokens_per_block to the trace's block size; Mooncake's is 512)`;
  }
  return { timestamp, input_length: inputLength, output_length: fields['output_length'] as number, hash_ids: ids as number[] };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
