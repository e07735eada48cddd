import type { Command } from 'commander';
import { checkDeterminism, parseSeeds, replayCommand, runSeed, type SeedResult, type SeedRunOptions } from '../../sim/runner.ts';
import { scenarios } from '../../sim/scenarios/index.ts';

interface SimRunFlags {
  seed?: string;
  seeds?: string;
  checkDeterminism?: boolean;
  swarm: boolean;
  calm?: boolean;
  verbose?: boolean;
  coverage?: boolean;
}

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('run simulated clusters: deterministic, seeded, with injected faults');
  sim.command('list').description('list the scenarios').action(() => {
    for (const scenario of scenarios.values()) console.log(`${scenario.name.padEnd(14)} ${scenario.description}`);
  });
  sim.command('run')
    .description('run a scenario for one seed or many; prints each seed and the fingerprint of its event trace')
    .argument('<scenario>', 'scenario name (see `flyer sim list`)')
    .option('--seed <n>', 'one seed (default 1)')
    .option('--seeds <list>', 'many seeds: A-B, or a comma-separated mix such as 1,4,10-20')
    .option('--check-determinism', 'run every seed twice and fail if the fingerprints differ')
    .option('--no-swarm', 'use the default fault rates instead of drawing them from the seed')
    .option('--calm', 'inject no faults at all')
    .option('--coverage', 'print which sometimes-properties the runs reached')
    .option('--verbose', 'print statistics for every seed')
    .action(async (scenarioName: string, flags: SimRunFlags) => {
      if (!scenarios.has(scenarioName)) throw new Error(`unknown scenario '${scenarioName}'; known: ${[...scenarios.keys()].join(', ')}`);
      if (flags.seed && flags.seeds) throw new Error('give --seed or --seeds, not both');
      const seeds = parseSeeds(flags.seeds ?? flags.seed ?? '1');
      process.exitCode = await runSeeds(scenarioName, seeds, flags);
    });
}

async function runSeeds(scenarioName: string, seeds: number[], flags: SimRunFlags): Promise<number> {
  const options: SeedRunOptions = { swarm: flags.swarm, calm: flags.calm ?? false };
  const single = seeds.length === 1;
  let violations = 0;
  let nondeterministic = 0;
  const coverage = new Map<string, number>();
  const started = performance.now();
  for (const [i, seed] of seeds.entries()) {
    let result: SeedResult;
    if (flags.checkDeterminism) {
      const check = await checkDeterminism(scenarioName, seed, options);
      result = check.first;
      if (!check.deterministic) {
        nondeterministic++;
        console.log(`seed ${seed}: NON-DETERMINISTIC: fingerprints ${check.first.fingerprint} and ${check.second.fingerprint}, events ${check.first.events} and ${check.second.events}`);
      }
    } else {
      result = await runSeed(scenarioName, seed, options);
    }
    for (const [property, hits] of result.coverage) coverage.set(property, (coverage.get(property) ?? 0) + hits);
    violations += result.violations.length;
    if (single) {
      console.log(`seed: ${seed}`);
      console.log(`fingerprint: ${result.fingerprint}`);
    } else if (flags.verbose || result.violations.length > 0 || (i + 1) % 25 === 0 || i + 1 === seeds.length) {
      const rate = (i + 1) / ((performance.now() - started) / 1000);
      console.log(`seed ${seed}: fingerprint ${result.fingerprint}, ${result.violations.length} violations  [${i + 1}/${seeds.length}, ${rate.toFixed(1)} seeds/s]`);
    }
    if (flags.verbose || single) {
      console.log(`virtual time: ${(result.virtualNs / 1e9).toFixed(3)} s, events: ${result.events}, wall: ${result.wallMs.toFixed(0)} ms, stats: ${JSON.stringify(result.stats)}`);
    }
    for (const violation of result.violations) console.log(`  violation: ${violation}`);
    if (result.violations.length > 0) console.log(`  replay: ${replayCommand(scenarioName, seed, options)}`);
  }
  if (flags.coverage) {
    console.log('coverage (sometimes-properties reached, with hits):');
    for (const [property, hits] of [...coverage].sort()) console.log(`  ${hits > 0 ? '✓' : '✗'} ${property}: ${hits}`);
  }
  if (flags.checkDeterminism) console.log(`determinism: ${seeds.length - nondeterministic}/${seeds.length} seeds replayed identically`);
  console.log(`violations: ${violations}`);
  return violations > 0 || nondeterministic > 0 ? 1 : 0;
}
