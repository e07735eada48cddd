import { existsSync, readFileSync } from 'node:fs';
import { FlyerError } from '../../env/errors.ts';
import { parseTraceText, type ParsedTrace, type TraceParseOptions } from './trace-parse.ts';

/**
 * Reads a Mooncake trace from the local file system (the coordinating client's input, like a spec file).
 * The full conversation trace is not on every machine, so a missing file says where to look instead.
 */
export function loadTraceFile(path: string, options: Omit<TraceParseOptions, 'source'>): ParsedTrace {
  checkTraceFile(path);
  return parseTraceText(readFileSync(path, 'utf8'), { ...options, source: path });
}

export function checkTraceFile(path: string): void {
  if (!existsSync(path)) {
    throw new FlyerError('KVCACHE_TRACE_MISSING', `${path} does not exist (use trace=synthetic for a generated trace, or the excerpt test/fixtures/kvcache/conversation-head.jsonl)`);
  }
}
