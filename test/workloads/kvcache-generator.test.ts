/**
 * The synthetic KVCache trace: seeded (same seed, same trace), in the Mooncake record shape, with the
 * structure it promises: Poisson arrivals near the asked rate, Zipf-popular shared system prompts, and
 * multi-turn sessions whose prefixes grow and are reused.
 */
import test from 'ava';
import { randomStream } from '../../system/env/random.ts';
import { idealHitRatio } from '../../system/workloads/kvcache/lru-model.ts';
import { checkRecord, parseTraceText } from '../../system/workloads/kvcache/trace-parse.ts';
import { generateTrace, type TraceGeneratorParams } from '../../system/workloads/kvcache/trace-generator.ts';
import { recordLine } from '../../system/workloads/kvcache/trace-record.ts';

const PARAMS: TraceGeneratorParams = {
  ratePerSec: 5, durationSec: 300, systemPrompts: 10, zipfS: 1, systemPromptBlocksMin: 1, systemPromptBlocksMax: 4,
  turnsMean: 4, thinkTimeSec: 20, userTokensMean: 800, outputTokensMean: 300, tokensPerBlock: 512,
};
const generate = (seed: number, params = PARAMS) => generateTrace(randomStream(seed, 'kvcache', 'trace'), params);

test('the same seed gives the same trace; another seed another', (t) => {
  const a = generate(7);
  t.deepEqual(generate(7), a);
  t.notDeepEqual(generate(8), a);
});

test('records have the Mooncake shape and survive a JSONL round trip', (t) => {
  const trace = generate(1);
  for (const record of trace) t.deepEqual(checkRecord(record, 512), record);
  const text = trace.map((r) => `${recordLine(r)}\n`).join('');
  t.deepEqual(parseTraceText(text, { source: 'generated', tokensPerBlock: 512 }).records, trace);
  t.true(trace.every((r, i) => i === 0 || r.timestamp >= trace[i - 1]!.timestamp), 'in time order');
});

test('arrivals come at the asked rate from the first second (sessions are warmed up)', (t) => {
  for (const seed of [3, 4]) {
    const trace = generate(seed);
    const rate = trace.length / PARAMS.durationSec;
    t.true(rate > 0.85 * PARAMS.ratePerSec && rate < 1.15 * PARAMS.ratePerSec, `rate ${rate.toFixed(2)} req/s`);
    const firstMinute = trace.filter((r) => r.timestamp < 60_000).length / 60;
    t.true(firstMinute > 0.7 * PARAMS.ratePerSec, `first minute ${firstMinute.toFixed(2)} req/s`);
    t.true(trace[0]!.timestamp >= 0 && trace.at(-1)!.timestamp < PARAMS.durationSec * 1000);
  }
});

test('ids are numbered by first use, prefixes are reused, and popular prompts dominate', (t) => {
  const trace = generate(4);
  let next = 0;
  for (const record of trace) for (const id of record.hash_ids) if (id >= next) t.is(id, next++, 'a new id is the next number');
  const ratio = idealHitRatio(trace);
  t.true(ratio > 0.3 && ratio < 0.95, `ideal hit ratio ${ratio.toFixed(3)}`);
  // The first block identifies the system prompt (prompts are whole blocks, made before any session).
  const byPrompt = new Map<number, number>();
  for (const record of trace) byPrompt.set(record.hash_ids[0]!, (byPrompt.get(record.hash_ids[0]!) ?? 0) + 1);
  const counts = [...byPrompt.values()].sort((a, b) => b - a);
  t.true(counts[0]! > 2 * counts[counts.length - 1]!, `Zipf: most popular ${counts[0]}, least ${counts.at(-1)}`);
});

test('a later turn of a session extends the earlier turn\'s full blocks', (t) => {
  const trace = generate(5);
  let extended = 0;
  for (const [i, record] of trace.entries()) {
    const full = record.hash_ids.slice(0, Math.floor(record.input_length / 512));
    if (full.length < 2) continue;
    const later = trace.slice(i + 1).find((r) => r.hash_ids.length > full.length && full.every((id, k) => r.hash_ids[k] === id) && r.input_length > record.input_length);
    if (later) extended++;
  }
  t.true(extended > trace.length / 4, `${extended} of ${trace.length} requests continue in a later turn`);
});
