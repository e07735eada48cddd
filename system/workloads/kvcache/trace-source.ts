import { randomStream } from '../../env/random.ts';
import type { Env } from '../../env/types.ts';
import type { KvCacheParams } from './kvcache-params.ts';
import { loadTraceFile } from './trace-file.ts';
import { generateTrace } from './trace-generator.ts';
import type { MooncakeRecord } from './trace-record.ts';

export interface TraceSourceInfo {
  /** 'synthetic (seed ...)' or the file's path. */
  readonly source: string;
  readonly parser: string;
  /** Requests in the file (or generated) before the window. */
  readonly totalRequests: number;
  readonly badLines: number;
  readonly badLineMessages: readonly string[];
}

/**
 * The requests to replay: the Mooncake file or a generated trace, cut to the window of the parameters,
 * with timestamps counted from the window's start.
 */
export function loadTraceSource(env: Env, params: KvCacheParams): { records: MooncakeRecord[]; info: TraceSourceInfo } {
  if (params.trace === 'synthetic') {
    // A fixed gen_seed gives the same trace in every mode; otherwise the run's seed decides (sim: --seed).
    const random = params.genSeed > 0 ? randomStream(params.genSeed, 'kvcache', 'trace') : env.random('kvcache-trace');
    const records = generateTrace(random, { ...params.generator, tokensPerBlock: params.tokensPerBlock });
    return {
      records: windowOf(records, params),
      info: { source: `synthetic${params.genSeed > 0 ? ` (gen_seed ${params.genSeed})` : ''}`, parser: 'generator', totalRequests: records.length, badLines: 0, badLineMessages: [] },
    };
  }
  const parsed = loadTraceFile(params.trace, { tokensPerBlock: params.tokensPerBlock, skipBadLines: params.skipBadLines });
  return {
    records: windowOf(parsed.records, params),
    info: { source: params.trace, parser: parsed.parser, totalRequests: parsed.records.length, badLines: parsed.badLines, badLineMessages: parsed.badLineMessages },
  };
}

/** Requests in [start, start + duration) of trace time, at most maxRequests, re-timed from the start. */
export function windowOf(records: readonly MooncakeRecord[], params: Pick<KvCacheParams, 'traceStartSec' | 'traceDurationSec' | 'maxRequests'>): MooncakeRecord[] {
  const startMs = params.traceStartSec * 1000;
  const endMs = params.traceDurationSec > 0 ? startMs + params.traceDurationSec * 1000 : Number.POSITIVE_INFINITY;
  const inWindow = records.filter((r) => r.timestamp >= startMs && r.timestamp < endMs);
  const kept = params.maxRequests > 0 ? inWindow.slice(0, params.maxRequests) : inWindow;
  return kept.map((r) => ({ ...r, timestamp: r.timestamp - startMs }));
}
