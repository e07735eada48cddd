import type { Env } from '../../system/env/types.ts';
import { ThroughputRecorder, type RecordedSeries } from '../../system/workloads/framework/throughput-recorder.ts';
import type { CompletedRun, PhaseRecord, WorkloadDefinition } from '../../system/workloads/framework/workload.ts';
import type { ClusterSpec } from '../../system/workloads/spec/cluster-spec.ts';
import { S } from '../perf/storage-bench-spec.ts';
import { PhaseBarrier } from './phase-barrier.ts';
import { WorkloadCluster } from './workload-cluster.ts';

export interface SimRunOptions<P> {
  readonly seed: number;
  readonly params: P;
  /** Stop (and fail) after this much simulated time. */
  readonly limitSec?: number;
  /** Called now and then with the current phase and the clients' summed progress. */
  readonly onProgress?: (phase: string, doneUnits: number, totalUnits: number, virtualSec: number) => void;
}

/**
 * Runs a workload on a simulated cluster built from `spec`: every client node runs each phase of the
 * workload's code against its FlyerFs, with a barrier between phases, and records its time series on
 * the simulated wall clock from a common origin.
 */
export async function runWorkloadInSimulation<P>(definition: WorkloadDefinition<P>, spec: ClusterSpec, options: SimRunOptions<P>): Promise<CompletedRun<P>> {
  const wallStart = performance.now();
  const clients = spec.clients.nodes;
  const barrier = new PhaseBarrier(clients);
  const phases: PhaseRecord[] = [];
  const series: RecordedSeries[] = new Array(clients);
  const failures: unknown[] = [];
  const units = definition.phases.map((phase) => Array.from({ length: clients }, (_, i) => phase.units?.(options.params, i, clients) ?? 0));
  let currentPhase = '';

  const coordinator = async (env: Env): Promise<void> => {
    await barrier.waitFor(env, () => barrier.ready === clients || failures.length > 0);
    if (failures.length > 0) return;
    barrier.originNs = env.clock.now();
    let inputs: unknown[] = new Array(clients).fill(null);
    for (const [index, phase] of definition.phases.entries()) {
      currentPhase = phase.name;
      const startSec = (env.clock.now() - barrier.originNs) / 1e9;
      barrier.open(index, inputs);
      await barrier.waitFor(env, () => barrier.done(index) || failures.length > 0);
      if (failures.length > 0) return;
      const outputs = barrier.outputs[index]!;
      phases.push({ name: phase.name, startSec, endSec: (env.clock.now() - barrier.originNs) / 1e9, outputs });
      if (index + 1 < definition.phases.length) inputs = definition.planNext?.(index + 1, phases.map((p) => p.outputs), options.params, clients) ?? new Array(clients).fill(null);
    }
    barrier.finished = true;
  };

  const cluster = new WorkloadCluster(spec, {
    seed: options.seed,
    coordinator,
    client: async (env, clientIndex, fs) => {
      try {
        barrier.ready++;
        await barrier.waitFor(env, () => barrier.phase >= 0 || failures.length > 0);
        // Virtual time is one clock for every node (wall clocks may carry injected offsets).
        const recorder = new ThroughputRecorder(env.clock, definition.binNs(options.params), barrier.originNs);
        for (const [index, phase] of definition.phases.entries()) {
          await barrier.waitFor(env, () => barrier.phase >= index || failures.length > 0);
          if (failures.length > 0) return;
          const output = await phase.run({
            env, fs, clientIndex, clientCount: clients, params: options.params, mode: 'sim', recorder,
            progress: (doneUnits) => { barrier.progress[clientIndex] = doneUnits; },
          }, barrier.inputs[index]![clientIndex]);
          barrier.post(index, clientIndex, output);
          series[clientIndex] = recorder.snapshot();
        }
      } catch (error) {
        failures.push(error);
      }
    },
  });
  const { sim } = cluster;
  sim.start();
  const limitNs = (options.limitSec ?? 3600) * S;
  // Run in slices so progress shows while a long simulation runs.
  for (let untilNs = S; !barrier.finished && failures.length === 0 && sim.kernel.nowNs < limitNs; untilNs += S) {
    await sim.run({ untilNs: Math.min(untilNs, limitNs), stopWhen: () => barrier.finished || failures.length > 0 });
    const phaseIndex = Math.max(0, barrier.phase);
    const total = units[phaseIndex]?.reduce((a, b) => a + b, 0) ?? 0;
    options.onProgress?.(currentPhase || 'setup', barrier.progress.reduce((a, b) => a + b, 0), total, sim.kernel.nowNs / S);
  }
  if (failures.length > 0) throw failures[0];
  if (!barrier.finished) throw new Error(`${definition.name}: not finished after ${limitNs / S} simulated seconds (phase ${currentPhase || 'setup'})`);
  if (sim.failures.length > 0) throw new Error(`${definition.name}: simulation failures: ${sim.failures.join('; ')}`);
  return {
    params: options.params, mode: 'sim', clientCount: clients, spec, seed: options.seed, phases,
    series: series.map((s) => s ?? { binNs: definition.binNs(options.params), originNs: barrier.originNs, series: {} }),
    wallSec: (performance.now() - wallStart) / 1000,
  };
}
