import { resolve } from 'node:path';
import type { Command } from 'commander';
import { FlyerError } from '../../env/errors.ts';
import { writeRunReport } from '../../workloads/framework/write-run-report.ts';
import type { CompletedRun, WorkloadDefinition } from '../../workloads/framework/workload.ts';
import { workloadNamed, workloadNames } from '../../workloads/registry.ts';
import { loadClusterSpec } from '../../workloads/spec/cluster-spec.ts';
import { EXIT_FAILED, exitCodeOf, errorLine } from '../cli-errors.ts';
import { Progress } from '../progress.ts';
import { readManifest } from '../cluster/cluster-manifest.ts';
import { runWorkloadOnCluster } from './run-on-cluster.ts';
import { registerWorkloadWorker } from './workload-worker.ts';

interface RunFlags {
  sim?: string;
  cluster?: string;
  clients?: string;
  seed: string;
  param: string[];
  out?: string;
}

/**
 * `flyer workload run NAME (--sim SPEC | --cluster DIR)`: one workload on a simulated cluster built
 * from a spec, or on a running cluster (`flyer cluster up`), with progress on stderr, a report folder
 * under reports/, and the summary on stdout. Fails (exit 1) when the workload's own checks fail, e.g.
 * valsort finding the GraySort output out of order.
 */
export function registerWorkloadCommands(program: Command): void {
  const workload = program.command('workload').description(`run a workload (${workloadNames().join(', ')}) and write its report`);
  workload.command('run')
    .argument('<name>', `one of ${workloadNames().join(', ')}`)
    .option('--sim <spec>', 'simulate the cluster of this spec file (specs/*.toml)')
    .option('--cluster <dir>', 'run on the cluster started by `flyer cluster up` in this directory')
    .option('--clients <n>', 'client processes on a real cluster (default 2)')
    .option('--seed <n>', 'simulation seed', '1')
    .option('--param <key=value>', 'override a workload parameter (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--out <dir>', 'report folder (default reports/<name>-<mode>-<time>)')
    .action(async (name: string, flags: RunFlags) => {
      try {
        const code = await runCommand(workloadNamed(name), flags);
        process.exitCode = code;
      } catch (error) {
        process.stderr.write(`${errorLine(error)}\n`);
        process.exitCode = exitCodeOf(error);
      }
    });
  registerWorkloadWorker(workload);
}

async function runCommand(definition: WorkloadDefinition<unknown>, flags: RunFlags): Promise<number> {
  if ((flags.sim === undefined) === (flags.cluster === undefined)) throw new FlyerError('INVALID_ARGUMENT', 'give exactly one of --sim SPEC or --cluster DIR');
  const overrides = parseParamFlags(flags.param);
  const progress = new Progress();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let run: CompletedRun<unknown>;
  let clusterText: string;
  let startTime: string;
  if (flags.sim !== undefined) {
    const spec = loadClusterSpec(flags.sim);
    const seed = parseInteger('--seed', flags.seed);
    const params = definition.parseParams({ ...spec.workload, ...overrides }, 'sim', spec);
    clusterText = `${spec.name}: ${spec.storage.nodes} storage nodes, ${spec.clients.nodes} clients`;
    progress.line(`${definition.name}: simulating ${clusterText}, seed ${seed}`);
    // The simulator loads only for simulated runs: workload client processes of real runs register
    // these commands too, and keep their JavaScript heap (which every full collection marks) small.
    const { runWorkloadInSimulation } = await import('../../../sim/workload/run-workload-sim.ts');
    run = await runWorkloadInSimulation(definition, spec, {
      seed, params,
      onProgress: (phase, done, total, virtualSec) => progress.update(`${phase}: ${total > 0 ? `${Math.min(100, (100 * done) / total).toFixed(0)}%` : '...'} (simulated ${virtualSec.toFixed(0)} s)`),
    });
    startTime = new Date(0).toISOString();
  } else {
    const clients = flags.clients === undefined ? 2 : parseInteger('--clients', flags.clients);
    const params = definition.parseParams(overrides, readManifest(resolve(flags.cluster!)).launcher === 'hosts' ? 'hosts' : 'local');
    clusterText = `cluster in ${flags.cluster}, ${clients} client processes`;
    startTime = new Date().toISOString();
    const mode = readManifest(resolve(flags.cluster!)).launcher === 'hosts' ? 'hosts' : 'local';
    run = await runWorkloadOnCluster(definition, { clusterDir: resolve(flags.cluster!), clients, params, progress, mode });
  }
  const dir = resolve(flags.out ?? `reports/${definition.name}-${run.mode}-${stamp}`);
  const { written, report } = await writeRunReport(definition, run, { dir, startTime, clusterText });
  progress.line(`report: ${written.dir}/index.html`);
  process.stdout.write(`${JSON.stringify({ workload: definition.name, mode: run.mode, report: written.dir, summary: report.summary })}\n`);
  if (report.problems && report.problems.length > 0) {
    process.stderr.write(`${definition.name}: FAILED checks: ${report.problems.join('; ')}\n`);
    return EXIT_FAILED;
  }
  return 0;
}

function parseParamFlags(values: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new FlyerError('INVALID_ARGUMENT', `--param needs key=value, got '${value}'`);
    params[value.slice(0, at).trim().replace(/-/g, '_')] = value.slice(at + 1);
  }
  return params;
}

function parseInteger(flag: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new FlyerError('INVALID_ARGUMENT', `${flag} must be a non-negative integer, got '${value}'`);
  return parsed;
}
