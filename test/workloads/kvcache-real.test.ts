/**
 * The KVCache workload on real processes: a local cluster (3 storage processes, 64 KiB chunks) and
 * `flyer workload run kvcache --cluster` with 2 client processes, a small generated trace and a small
 * cache. Checks what the simulated run checks, plus that block bytes survive: every hit was verified by
 * the clients, and a block copied out with `flyer fs cp` holds exactly the bytes written for its id.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { materialize } from '../../system/env/payload.ts';
import { blockContent } from '../../system/workloads/kvcache/block-layout.ts';
import type { CensusOutput } from '../../system/workloads/kvcache/census-phase.ts';
import type { ReplayStats } from '../../system/workloads/kvcache/replay-stats.ts';
import type { SetupOutput } from '../../system/workloads/kvcache/setup-phase.ts';
import { clusterUp, runFlyer, tempClusterDir } from '../cluster/helpers.ts';

const CAPACITY_BLOCKS = 60;
/** 64 tokens x 2 KiB = 128 KiB blocks: two 64 KiB chunks each, so chunk removes outnumber file removes. */
const PARAMS = {
  gen_seed: 5, gen_rate_per_sec: 4, gen_duration_sec: 20, gen_think_time_sec: 3, gen_user_tokens_mean: 100, gen_output_tokens_mean: 100,
  tokens_per_block: 64, bytes_per_token: 2048, capacity_blocks: CAPACITY_BLOCKS, fanout_dirs: 4, time_scale: 5, bin_ms: 250, gc_interval_sec: 2,
};

interface RunJson {
  readonly phases: ReadonlyArray<{ readonly name: string; readonly outputs: readonly unknown[] }>;
  readonly summary: Record<string, number | string>;
}

test('a small run on a local cluster hits, collects garbage, stays within capacity, and keeps block bytes intact', async (t) => {
  t.timeout(150_000);
  const dir = tempClusterDir(t, 'kvcache');
  const out = mkdtempSync(join(tmpdir(), 'flyer-kvcache-report-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const up = await clusterUp(dir, ['--chunk-size', String(64 << 10)]);
  t.is(up.code, 0, `cluster up failed:\n${up.stderr}`);
  try {
    const args = Object.entries(PARAMS).flatMap(([key, value]) => ['--param', `${key}=${value}`]);
    const run = await runFlyer(['workload', 'run', 'kvcache', '--cluster', dir, '--clients', '2', '--out', out, ...args], { timeoutMs: 120_000 });
    t.is(run.code, 0, `workload run failed:\n${run.stdout}\n${run.stderr.slice(-3000)}`);
    const result = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    t.log(`cluster up ${(up.ms / 1000).toFixed(1)} s, workload run ${(run.ms / 1000).toFixed(1)} s: ${JSON.stringify(result.summary)}`);
    const setup = result.phases[0]!.outputs[0] as SetupOutput;
    const replays = result.phases[1]!.outputs as ReplayStats[];
    const census = result.phases[2]!.outputs[0] as CensusOutput;
    const sum = (key: keyof ReplayStats) => replays.reduce((total, r) => total + (r[key] as number), 0);

    t.true(setup.requests > 20);
    t.is(sum('requests'), setup.requests);
    t.true(sum('hitBlocks') > 0, 'some prefixes hit');
    // (A block another client removes between lookup and read ends the hit prefix there: a counted race.)
    t.true(sum('readBlocks') >= sum('hitBlocks'), 'every hit was read and verified against the bytes written for its id');
    t.is(sum('readFailures') + sum('writeFailures') + sum('requestFailures') + sum('gcFailures'), 0, replays.flatMap((r) => r.failureMessages).join(' | '));
    t.true(sum('gcFileRemoves') > 0);
    // A full 128 KiB block frees two 64 KiB chunks; a partial last block may free one.
    t.true(sum('gcChunkRemoves') > sum('gcFileRemoves') && sum('gcChunkRemoves') <= 2 * sum('gcFileRemoves'));
    t.true(census.blockFiles > 0 && census.blockFiles <= CAPACITY_BLOCKS, `${census.blockFiles} files, capacity ${CAPACITY_BLOCKS}`);
    t.is(census.tempFiles, 0);
    t.true(census.verifiedBlocks > 0);
    t.deepEqual(census.verifyFailures, []);
    t.true(readFileSync(join(out, 'index.html'), 'utf8').includes('KVCache read throughput per client'));

    // Independently of the workload's own checks: copy a surviving block out and compare its bytes.
    const listing = await runFlyer(['fs', '--dir', dir, 'ls', '/kvcache/blocks/0'], { timeoutMs: 30_000 });
    t.is(listing.code, 0, listing.stderr);
    const id = Number(listing.stdout.split(/\s+/).find((name) => /^\d+$/.test(name)));
    t.true(Number.isSafeInteger(id), `a block file in ${listing.stdout}`);
    const local = join(out, 'block.bin');
    const copy = await runFlyer(['fs', '--dir', dir, 'cp', `flyer:/kvcache/blocks/0/${id}`, local], { timeoutMs: 30_000 });
    t.is(copy.code, 0, copy.stderr);
    const bytes = readFileSync(local);
    t.true(bytes.length > 0 && bytes.length <= 64 * 2048);
    t.true(Buffer.from(materialize(blockContent(id, bytes.length, 'local'))).equals(bytes), `block ${id} holds the bytes written for it`);
  } finally {
    await runFlyer(['cluster', 'down', '--dir', dir]);
  }
});
