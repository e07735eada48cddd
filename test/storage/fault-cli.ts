/**
 * Runs many seeds of the storage fault run and prints the failing ones with their violations and the
 * coverage of the storage probes. Not a test (ava ignores it):
 *   node --import tsx test/storage/fault-cli.ts <firstSeed> <lastSeed> [rounds=10] [checkpointBytes]
 * A failing seed replays exactly with the same arguments.
 */
import { faultRun } from './fault-run.ts';

const [first = 1, last = 20, rounds = 10, checkpointBytes = 4 * 2 ** 20] = process.argv.slice(2).map(Number);
const coverage = new Map<string, number>();
let failing = 0;
for (let seed = first; seed <= last; seed++) {
  const result = await faultRun(seed, { rounds, checkpointBytes });
  for (const [probe, hits] of result.cluster.sim.coverage()) coverage.set(probe, (coverage.get(probe) ?? 0) + (hits > 0 ? 1 : 0));
  if (result.violations.length === 0) continue;
  failing++;
  console.log(`seed ${seed}: ${result.acked} writes acknowledged, ${result.violations.length} violations`);
  for (const violation of result.violations.slice(0, 5)) console.log(`    ${violation.slice(0, 600)}`);
}
console.log(`${failing} of ${last - first + 1} seeds failed; seeds reaching each probe:`);
for (const [probe, seeds] of [...coverage].sort()) console.log(`  ${String(seeds).padStart(5)}  ${probe}`);
