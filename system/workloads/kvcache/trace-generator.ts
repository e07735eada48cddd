import { assert } from '../../env/assert.ts';
import type { RandomStream } from '../../env/random.ts';
import type { MooncakeRecord } from './trace-record.ts';
import { ZipfSampler } from './zipf.ts';

export interface TraceGeneratorParams {
  /** Mean requests per second (all sessions together). */
  readonly ratePerSec: number;
  readonly durationSec: number;
  /** Distinct shared system prompts; sessions pick one by Zipf popularity. */
  readonly systemPrompts: number;
  readonly zipfS: number;
  /** A system prompt spans this many full blocks (uniform in [min, max]). */
  readonly systemPromptBlocksMin: number;
  readonly systemPromptBlocksMax: number;
  /** Mean turns per session (geometric). */
  readonly turnsMean: number;
  /** Mean seconds between a session's turns (exponential). */
  readonly thinkTimeSec: number;
  /** Mean new user tokens per turn and generated tokens per turn (exponential). */
  readonly userTokensMean: number;
  readonly outputTokensMean: number;
  readonly tokensPerBlock: number;
}

/** A session stops growing here (a model's context window). */
const MAX_CONTEXT_TOKENS = 131_072;
const MAX_TURNS = 1000;

interface Session {
  readonly prompt: number;
  /** Ids of the session's context blocks that were full in an earlier turn: the reusable prefix. */
  readonly fullIds: number[];
  contextTokens: number;
}

/**
 * A synthetic trace in the Mooncake shape: sessions arrive as a Poisson process (warmed up, see below); each picks a shared
 * system prompt by Zipf popularity and runs a geometric number of turns separated by think time; a turn's
 * input is the whole conversation so far (system prompt, earlier inputs and outputs) plus new user text,
 * so its prefix grows turn by turn and its blocks' ids repeat those of the earlier turns. Ids are
 * prefix-chained like Mooncake's (a block's id stands for it and all before it) and renumbered in order
 * of first use, as Mooncake's are. The same stream state gives the same trace.
 */
export function generateTrace(random: RandomStream, params: TraceGeneratorParams): MooncakeRecord[] {
  assert(params.systemPromptBlocksMin >= 1 && params.systemPromptBlocksMax >= params.systemPromptBlocksMin, 'system prompt blocks: 1 <= min <= max');
  const tpb = params.tokensPerBlock;
  let nextId = 0;
  const prompts = Array.from({ length: params.systemPrompts }, () => {
    const blocks = random.intBetween(params.systemPromptBlocksMin, params.systemPromptBlocksMax);
    return Array.from({ length: blocks }, () => nextId++);
  });
  const zipf = new ZipfSampler(params.systemPrompts, params.zipfS);
  const sessionRatePerSec = params.ratePerSec / params.turnsMean;
  const continueChance = 1 - 1 / params.turnsMean;
  const drafts: Array<{ timeSec: number; order: number; record: MooncakeRecord }> = [];

  // Sessions start before the trace does, so it opens in steady state (turns of running conversations
  // arrive from the first second) and the request rate is the asked one all through; only turns at or
  // after time 0 are kept, as a window cut from a running service (Mooncake's hour) would show them.
  const warmupSec = 3 * params.turnsMean * params.thinkTimeSec;
  for (let arrivalSec = -warmupSec + random.exponential(1 / sessionRatePerSec); arrivalSec < params.durationSec; arrivalSec += random.exponential(1 / sessionRatePerSec)) {
    const prompt = zipf.sample(random);
    const session: Session = { prompt, fullIds: [...prompts[prompt]!], contextTokens: prompts[prompt]!.length * tpb };
    let turns = 1;
    while (turns < MAX_TURNS && random.chance(continueChance)) turns++;
    let timeSec = arrivalSec;
    for (let turn = 0; turn < turns && timeSec < params.durationSec; turn++) {
      const userTokens = Math.max(1, Math.round(random.exponential(params.userTokensMean)));
      const outputTokens = Math.max(1, Math.round(random.exponential(params.outputTokensMean)));
      const inputTokens = session.contextTokens + userTokens;
      if (inputTokens > MAX_CONTEXT_TOKENS) break;
      const fullBlocks = Math.floor(inputTokens / tpb);
      const ids: number[] = [];
      for (let b = 0; b < fullBlocks; b++) {
        if (b >= session.fullIds.length) session.fullIds.push(nextId++);
        ids.push(session.fullIds[b]!);
      }
      // A partial last block is content no later turn repeats (the next turn fills it further).
      if (inputTokens % tpb !== 0) ids.push(nextId++);
      if (timeSec >= 0) drafts.push({ timeSec, order: drafts.length, record: { timestamp: Math.round(timeSec * 1000), input_length: inputTokens, output_length: outputTokens, hash_ids: ids } });
      session.contextTokens = inputTokens + outputTokens;
      timeSec += random.exponential(params.thinkTimeSec);
    }
  }
  drafts.sort((a, b) => a.record.timestamp - b.record.timestamp || a.order - b.order);
  return renumberByFirstUse(drafts.map((d) => d.record));
}

/** Ids 0, 1, 2, ... in order of first appearance, as Mooncake publishes them. */
export function renumberByFirstUse(records: readonly MooncakeRecord[]): MooncakeRecord[] {
  const ids = new Map<number, number>();
  return records.map((record) => ({
    ...record,
    hash_ids: record.hash_ids.map((id) => {
      let mapped = ids.get(id);
      if (mapped === undefined) ids.set(id, (mapped = ids.size));
      return mapped;
    }),
  }));
}
