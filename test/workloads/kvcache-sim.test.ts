/**
 * The KVCache workload on a simulated cluster (specs/kvcache-small.toml: 5 storage nodes, 3 clients)
 * with a small generated trace and a small cache: requests are replayed, prefixes hit, GC removes
 * blocks, the files left fit the capacity, and the report carries 3FS's two KVCache charts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { runWorkloadInSimulation } from '../../sim/workload/run-workload-sim.ts';
import { kvCacheWorkload } from '../../system/workloads/kvcache/kvcache.ts';
import type { ReplayStats } from '../../system/workloads/kvcache/replay-stats.ts';
import type { CensusOutput } from '../../system/workloads/kvcache/census-phase.ts';
import type { SetupOutput } from '../../system/workloads/kvcache/setup-phase.ts';
import { loadClusterSpec } from '../../system/workloads/spec/cluster-spec.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

/** ~100 requests of 4 KiB blocks over 30 trace seconds, replayed 10x faster; room for 120 blocks. */
const SMALL_RUN = {
  gen_seed: 3, gen_rate_per_sec: 5, gen_duration_sec: 30, gen_think_time_sec: 4, gen_user_tokens_mean: 100, gen_output_tokens_mean: 100,
  tokens_per_block: 64, bytes_per_token: 64, capacity_blocks: 120, fanout_dirs: 16, time_scale: 10, bin_ms: 100,
};

test('a small simulated run hits, collects garbage and stays within capacity', async (t) => {
  t.timeout(120_000);
  const spec = loadClusterSpec(join(root, 'specs', 'kvcache-small.toml'));
  const params = kvCacheWorkload.parseParams({ ...spec.workload, ...SMALL_RUN }, 'sim', spec);
  const run = await runWorkloadInSimulation(kvCacheWorkload, spec, { seed: 1, params, limitSec: 120 });
  const setup = run.phases[0]!.outputs[0] as SetupOutput;
  const replays = run.phases[1]!.outputs as ReplayStats[];
  const census = run.phases[2]!.outputs[0] as CensusOutput;
  const sum = (key: keyof ReplayStats) => replays.reduce((total, r) => total + (r[key] as number), 0);

  t.is(setup.trace.parser, 'generator');
  t.is(sum('requests'), setup.requests, 'every request of the trace was replayed once');
  t.true(replays.every((r) => r.requests > 0), 'every client served some');
  t.is(sum('blockRefs'), setup.blockRefs);
  const hitRatio = sum('hitBlocks') / sum('blockRefs');
  t.true(hitRatio > 0.1 && hitRatio <= setup.idealHitRatio, `hit ratio ${hitRatio.toFixed(3)} (ideal ${setup.idealHitRatio.toFixed(3)})`);
  // A block another client removes between lookup and read ends the hit prefix there (a race, counted).
  t.true(sum('readBlocks') >= sum('hitBlocks'), 'every hit is a verified read');
  if (sum('readRaces') === 0) t.is(sum('readBytes'), sum('hitTokens') * 64, 'reads are whole blocks: their tokens x bytes per token');
  t.true(sum('gcFileRemoves') > 0 && sum('gcChunkRemoves') >= sum('gcFileRemoves'));
  t.true(census.blockFiles > 0 && census.blockFiles <= 120, `${census.blockFiles} block files left, capacity 120`);
  // Two clients writing one block at once leave one file, so this is at most, not equal.
  t.true(census.blockFiles <= sum('writtenBlocks') - sum('gcFileRemoves'), 'files <= written - removed');
  t.is(census.tempFiles, 0);
  t.true(census.verifiedBlocks > 0);
  t.deepEqual(census.verifyFailures, []);
  t.is(sum('readFailures') + sum('writeFailures') + sum('requestFailures') + sum('gcFailures'), 0);

  const report = kvCacheWorkload.report(run);
  t.deepEqual(report.problems, []);
  t.deepEqual(report.charts.map((c) => c.id), ['kvcache-read-throughput', 'kvcache-gc-iops', 'kvcache-hit-ratio', 'kvcache-io']);
  t.is(report.summary['requests'], setup.requests);
  t.true((report.summary['gcChunkRemovesPerSecPeak'] as number) > 0);
});
