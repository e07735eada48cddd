import { resolve } from 'node:path';
import { FlyerError } from '../../env/errors.ts';
import { ParamReader } from '../framework/params.ts';
import type { AssignMode } from './request-router.ts';
import { checkTraceFile } from './trace-file.ts';
import type { TraceGeneratorParams } from './trace-generator.ts';

export interface KvCacheParams {
  /** 'synthetic', or the path of a Mooncake JSONL trace (made absolute, so worker processes find it). */
  readonly trace: string;
  readonly skipBadLines: boolean;
  /** Trace window: requests with trace time in [startSec, startSec + durationSec); 0 = to the end. */
  readonly traceStartSec: number;
  readonly traceDurationSec: number;
  /** At most this many requests of the window; 0 = all. */
  readonly maxRequests: number;
  /** Trace seconds per run second: 60 replays an hour in a minute. */
  readonly timeScale: number;
  readonly tokensPerBlock: number;
  readonly bytesPerToken: number;
  /** Blocks kept by GC over all clients (LRU); 0 = no bound. */
  readonly capacityBlocks: number;
  /** Trace seconds a block may stay unused; 0 = no TTL. */
  readonly ttlSec: number;
  /** Trace seconds between GC rounds. */
  readonly gcIntervalSec: number;
  /** Removes a client's GC keeps in flight. */
  readonly gcConcurrency: number;
  /** Block reads and writes a client keeps in flight. */
  readonly ioDepth: number;
  /** Requests a client serves at once; later ones wait (and the lag is reported). */
  readonly maxInflightRequests: number;
  readonly assign: AssignMode;
  readonly fanoutDirs: number;
  readonly rootDir: string;
  /** Check that every block read holds what was written for its id. */
  readonly verifyReads: boolean;
  readonly binMs: number;
  readonly generator: Omit<TraceGeneratorParams, 'tokensPerBlock'>;
  /** A fixed generator seed (the same trace on every run and mode); 0 = the coordinating client's Env stream. */
  readonly genSeed: number;
}

/** DeepSeek-V3 MLA in BF16: (512 latent + 64 RoPE) values x 2 B x 61 layers. */
export const DEEPSEEK_V3_BYTES_PER_TOKEN = 70_272;

export function parseKvCacheParams(raw: Readonly<Record<string, unknown>>): KvCacheParams {
  const params = new ParamReader('kvcache', raw);
  const trace = params.string('trace', 'synthetic');
  const assign = params.string('assign', 'session');
  if (assign !== 'session' && assign !== 'round-robin') throw new FlyerError('INVALID_ARGUMENT', `kvcache: parameter assign = ${assign} must be session or round-robin`);
  const parsed: KvCacheParams = {
    trace: trace === 'synthetic' ? trace : resolve(trace),
    skipBadLines: params.boolean('skip_bad_lines', false),
    traceStartSec: params.number('trace_start_sec', 0, { min: 0 }),
    traceDurationSec: params.number('trace_duration_sec', 0, { min: 0 }),
    maxRequests: params.integer('max_requests', 0, { min: 0 }),
    timeScale: params.number('time_scale', 60, { min: 0.001, max: 1e6 }),
    tokensPerBlock: params.integer('tokens_per_block', 512, { min: 1, max: 1 << 20 }),
    bytesPerToken: params.integer('bytes_per_token', DEEPSEEK_V3_BYTES_PER_TOKEN, { min: 1, max: 1 << 24 }),
    capacityBlocks: params.integer('capacity_blocks', 10_000, { min: 0 }),
    ttlSec: params.number('ttl_sec', 0, { min: 0 }),
    gcIntervalSec: params.number('gc_interval_sec', 10, { min: 0.001 }),
    gcConcurrency: params.integer('gc_concurrency', 64, { min: 1, max: 4096 }),
    ioDepth: params.integer('io_depth', 16, { min: 1, max: 4096 }),
    maxInflightRequests: params.integer('max_inflight_requests', 64, { min: 1, max: 100_000 }),
    assign,
    fanoutDirs: params.integer('fanout_dirs', 256, { min: 1, max: 65_536 }),
    rootDir: params.string('root_dir', '/kvcache').replace(/\/+$/, ''),
    verifyReads: params.boolean('verify_reads', true),
    binMs: params.integer('bin_ms', 1000, { min: 1, max: 600_000 }),
    generator: {
      ratePerSec: params.number('gen_rate_per_sec', 4, { min: 0.001 }),
      durationSec: params.number('gen_duration_sec', 600, { min: 0.001 }),
      systemPrompts: params.integer('gen_system_prompts', 20, { min: 1, max: 1_000_000 }),
      zipfS: params.number('gen_zipf_s', 1.0, { min: 0 }),
      systemPromptBlocksMin: params.integer('gen_system_prompt_blocks_min', 1, { min: 1 }),
      systemPromptBlocksMax: params.integer('gen_system_prompt_blocks_max', 8, { min: 1 }),
      turnsMean: params.number('gen_turns_mean', 4, { min: 1 }),
      thinkTimeSec: params.number('gen_think_time_sec', 60, { min: 0 }),
      userTokensMean: params.number('gen_user_tokens_mean', 2000, { min: 1 }),
      outputTokensMean: params.number('gen_output_tokens_mean', 350, { min: 1 }),
    },
    genSeed: params.integer('gen_seed', 0, { min: 0 }),
  };
  params.done();
  if (!parsed.rootDir.startsWith('/') || parsed.rootDir === '') throw new FlyerError('INVALID_ARGUMENT', `kvcache: root_dir must be an absolute path below /, got '${parsed.rootDir}'`);
  if (parsed.generator.systemPromptBlocksMax < parsed.generator.systemPromptBlocksMin) {
    throw new FlyerError('INVALID_ARGUMENT', 'kvcache: gen_system_prompt_blocks_max must be >= gen_system_prompt_blocks_min');
  }
  // Fail before any client starts, with the hint, rather than in the middle of a run.
  if (parsed.trace !== 'synthetic') checkTraceFile(parsed.trace);
  return parsed;
}

/** Bytes of a block of `tokens` tokens. */
export function blockBytes(params: KvCacheParams, tokens: number): number {
  return tokens * params.bytesPerToken;
}
