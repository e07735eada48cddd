/**
 * KVCache traces: the Mooncake JSONL excerpt parses (with simdjson), corrupt and truncated lines fail
 * with their line number or are counted with skip_bad_lines, and, where the full conversation trace is
 * at hand, its statistics and the LRU/TTL hit ratios match the research notes' table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { FlyerError } from '../../system/env/errors.ts';
import { parseKvCacheParams } from '../../system/workloads/kvcache/kvcache-params.ts';
import { modelHitRatio } from '../../system/workloads/kvcache/lru-model.ts';
import { loadTraceFile } from '../../system/workloads/kvcache/trace-file.ts';
import { parseTraceText } from '../../system/workloads/kvcache/trace-parse.ts';
import { windowOf } from '../../system/workloads/kvcache/trace-source.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const FIXTURE = join(root, 'test', 'fixtures', 'kvcache', 'conversation-head.jsonl');
const FULL_TRACE = '/work/shared/data/kvcache/conversation_trace.jsonl';
const fixtureText = readFileSync(FIXTURE, 'utf8');
const parse = (text: string, skipBadLines = false) => parseTraceText(text, { source: 'trace.jsonl', tokensPerBlock: 512, skipBadLines });

test('the fixture parses with simdjson into Mooncake records', (t) => {
  const parsed = parse(fixtureText);
  t.is(parsed.parser, 'simdjson');
  t.is(parsed.records.length, 300);
  t.is(parsed.lines, 300);
  t.is(parsed.badLines, 0);
  t.deepEqual(parsed.records[0], { timestamp: 0, input_length: 6758, output_length: 500, hash_ids: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] });
  for (const record of parsed.records) t.is(record.hash_ids.length, Math.ceil(record.input_length / 512));
  t.true(parsed.records.every((r, i) => i === 0 || r.timestamp >= parsed.records[i - 1]!.timestamp));
});

test('a corrupt line is an error naming its line number', (t) => {
  const lines = fixtureText.split('\n');
  lines[2] = '{"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1,, 2]}';
  const error = t.throws(() => parse(lines.join('\n')), { instanceOf: FlyerError });
  t.is(error.code, 'KVCACHE_TRACE_INVALID');
  t.regex(error.message, /trace\.jsonl line 3: not valid JSON/);
});

test('a truncated last line is called truncated, with its line number', (t) => {
  const cut = fixtureText.slice(0, fixtureText.length - 40);
  const error = t.throws(() => parse(cut), { instanceOf: FlyerError });
  t.is(error.code, 'KVCACHE_TRACE_INVALID');
  t.regex(error.message, /line 300: truncated record/);
});

test('records of the wrong shape are errors with the line and the field', (t) => {
  const good = '{"timestamp": 5, "input_length": 600, "output_length": 1, "hash_ids": [7, 8]}';
  const cases: Array<[string, RegExp]> = [
    ['[1, 2]', /line 2: expected a JSON object/],
    ['{"input_length": 600, "output_length": 1, "hash_ids": [7, 8]}', /line 2: timestamp must be a non-negative number/],
    ['{"timestamp": 5, "input_length": 600.5, "output_length": 1, "hash_ids": [7, 8]}', /line 2: input_length must be a non-negative integer/],
    ['{"timestamp": 5, "input_length": 600, "output_length": 1, "hash_ids": "7,8"}', /line 2: hash_ids must be an array/],
    ['{"timestamp": 5, "input_length": 600, "output_length": 1, "hash_ids": [7, -8]}', /line 2: hash_ids\[1\] must be a non-negative safe integer/],
    ['{"timestamp": 5, "input_length": 600, "output_length": 1, "hash_ids": [7, 9007199254740993]}', /line 2: hash_ids\[1\] must be a non-negative safe integer/],
    ['{"timestamp": 5, "input_length": 600, "output_length": 1, "hash_ids": [7]}', /line 2: 1 hash_ids for input_length 600, but 512-token blocks need 2/],
  ];
  for (const [bad, message] of cases) {
    const error = t.throws(() => parse(`${good}\n${bad}\n${good}\n`), { instanceOf: FlyerError }, bad);
    t.regex(error.message, message, bad);
  }
});

test('skip_bad_lines counts and reports bad lines instead of failing', (t) => {
  const lines = fixtureText.split('\n');
  lines[9] = 'garbage';
  lines[19] = '{"timestamp": 1}';
  const parsed = parse(lines.join('\n'), true);
  t.is(parsed.records.length, 298);
  t.is(parsed.badLines, 2);
  t.regex(parsed.badLineMessages[0]!, /line 10: not valid JSON/);
  t.regex(parsed.badLineMessages[1]!, /line 20: input_length must be/);
});

test('blank lines and CRLF endings are fine; out-of-order timestamps are sorted stably', (t) => {
  const text = '{"timestamp": 9, "input_length": 1, "output_length": 1, "hash_ids": [1]}\r\n\r\n'
    + '{"timestamp": 3, "input_length": 1, "output_length": 1, "hash_ids": [2]}\r\n'
    + '{"timestamp": 3, "input_length": 1, "output_length": 1, "hash_ids": [3]}\r\n';
  const parsed = parse(text);
  t.deepEqual(parsed.records.map((r) => r.hash_ids[0]), [2, 3, 1]);
  t.is(parsed.lines, 3);
});

test('a missing trace file names the alternatives', (t) => {
  const error = t.throws(() => loadTraceFile('/nonexistent/trace.jsonl', { tokensPerBlock: 512 }), { instanceOf: FlyerError });
  t.is(error.code, 'KVCACHE_TRACE_MISSING');
  t.regex(error.message, /trace=synthetic/);
  t.throws(() => parseKvCacheParams({ trace: '/nonexistent/trace.jsonl' }), { message: /KVCACHE_TRACE_MISSING/ });
  t.throws(() => parseKvCacheParams({ capacity_block: 5 }), { message: /unknown parameter\(s\) capacity_block/ });
});

test('the window keeps requests in [start, start + duration), at most max_requests, re-timed from the start', (t) => {
  const { records } = parse(fixtureText);
  const window = windowOf(records, { traceStartSec: 30, traceDurationSec: 30, maxRequests: 0 });
  t.true(window.length > 0);
  t.true(window.every((r) => r.timestamp >= 0 && r.timestamp < 30_000));
  t.is(window.length, records.filter((r) => r.timestamp >= 30_000 && r.timestamp < 60_000).length);
  t.is(windowOf(records, { traceStartSec: 0, traceDurationSec: 0, maxRequests: 7 }).length, 7);
});

// The full trace is not on CI machines: there the test shows as skipped, saying why.
const fullTrace = existsSync(FULL_TRACE) ? test : test.skip;
const fullTraceTitle = existsSync(FULL_TRACE) ? '' : ` [skipped: ${FULL_TRACE} is not on this machine]`;

fullTrace(`the full conversation trace matches the notes: counts, and LRU/TTL hit ratios within 0.3 points${fullTraceTitle}`, (t) => {
  t.timeout(60_000);
  const { records, parser } = loadTraceFile(FULL_TRACE, { tokensPerBlock: 512 });
  t.is(parser, 'simdjson');
  t.is(records.length, 12_031);
  t.is(records.reduce((sum, r) => sum + r.hash_ids.length, 0), 288_500);
  t.is(new Set(records.flatMap((r) => r.hash_ids)).size, 182_790);
  // graysort-kvcache-smallpond-notes.md §3.3, conversation column.
  const lru: Array<[number, number]> = [[1000, 4.5], [5000, 11.0], [10_000, 21.1], [20_000, 28.8], [50_000, 35.5], [100_000, 36.4]];
  for (const [capacityBlocks, percent] of lru) {
    const got = 100 * modelHitRatio(records, { capacityBlocks, ttlSec: 0 }).hitRatio;
    t.true(Math.abs(got - percent) <= 0.3, `LRU ${capacityBlocks} blocks: ${got.toFixed(2)}% vs ${percent}%`);
  }
  const ttl: Array<[number, number]> = [[60, 10.3], [300, 28.8], [600, 34.3], [1800, 36.4]];
  for (const [ttlSec, percent] of ttl) {
    const got = 100 * modelHitRatio(records, { capacityBlocks: 0, ttlSec }).hitRatio;
    t.true(Math.abs(got - percent) <= 0.3, `TTL ${ttlSec} s: ${got.toFixed(2)}% vs ${percent}%`);
  }
  t.true(Math.abs(100 * modelHitRatio(records, { capacityBlocks: 0, ttlSec: 0 }).hitRatio - 36.6) <= 0.1);
});
