/**
 * Runs the simulated storage read benchmark once: build the cluster, populate, read at a fixed queue
 * depth through a warm-up and a measured window, and compare the goodput with the analytic bound.
 *
 * @example
 * const result = await runSimReadBench(DEFAULT_STORAGE_BENCH_SPEC);
 * result.simBoundRatio; // measured / bound, ~0.98 for the default spec
 */
import { BenchCluster } from './bench-cluster.ts';
import { readBound, type ReadBound } from './read-bound.ts';
import { readBenchClient, ReadWorkloadState } from './read-workload.ts';
import { MS, S, type StorageBenchSpec } from './storage-bench-spec.ts';

export interface SimReadResult {
  readonly spec: StorageBenchSpec;
  readonly bound: ReadBound;
  readonly measuredBytesPerSec: number;
  readonly simBoundRatio: number;
  /** Wall seconds per simulated second over warm-up plus window (the steady read phase). */
  readonly simWallPerVirtualSec: number;
  readonly setup: { readonly virtualSec: number; readonly wallSec: number; readonly chunks: number; readonly writeFailures: number };
  readonly reads: {
    readonly inWindow: number;
    readonly failures: number;
    readonly lastError: string | undefined;
    readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number };
    /** Goodput of the slowest and fastest client over the window, as a fraction of the mean. */
    readonly clientSpread: { readonly min: number; readonly max: number };
  };
  /** Over the window: utilisation of storage egress ports, client ingress ports and drives (min, mean, max). */
  readonly utilisation: Readonly<Record<'storageEgress' | 'clientIngress' | 'drives', { min: number; mean: number; max: number }>>;
  readonly events: { readonly perVirtualSec: number; readonly perWallSec: number };
  readonly failures: readonly string[];
}

export async function runSimReadBench(spec: StorageBenchSpec): Promise<SimReadResult> {
  const wall = (): number => performance.now() / 1000;
  const setupStartWall = wall();
  let state: ReadWorkloadState | undefined;
  const cluster = new BenchCluster(spec, (env, index, c) => readBenchClient(state!)(env, index, c));
  state = new ReadWorkloadState(spec, cluster.plan.chainIds);
  const bound = readBound(cluster, state.chunks);
  const { sim } = cluster;

  sim.start();
  const populated = (): boolean => state.clientsPopulated === spec.clients || sim.failures.length > 0;
  await sim.run({ untilNs: 60 * S, stopWhen: populated });
  if (!populated()) throw new Error(`setup did not finish: ${state.clientsReady} clients ready, ${state.clientsPopulated} populated`);
  if (sim.failures.length > 0) throw new Error(`setup failed: ${sim.failures.join('; ')}`);
  const setup = { virtualSec: sim.kernel.nowNs / S, wallSec: wall() - setupStartWall, chunks: state.chunks.length, writeFailures: state.writeFailures };

  const readStartNs = sim.kernel.nowNs + 1 * MS;
  state.readStartNs = readStartNs;
  state.windowStartNs = readStartNs + spec.warmupNs;
  state.windowEndNs = state.windowStartNs + spec.windowNs;
  const phaseStartWall = wall();
  const phaseStartNs = sim.kernel.nowNs;
  const eventsBefore = sim.kernel.eventsTotal;
  await sim.run({ untilNs: state.windowStartNs });
  const before = snapshot(cluster);
  await sim.run({ untilNs: state.windowEndNs });
  const after = snapshot(cluster);
  const phaseWallSec = wall() - phaseStartWall;
  const phaseVirtualSec = (sim.kernel.nowNs - phaseStartNs) / S;
  const events = sim.kernel.eventsTotal - eventsBefore;

  const windowSec = spec.windowNs / S;
  const measuredBytesPerSec = state.bytesInWindow / windowSec;
  const latencies = [...state.latenciesNs].sort((a, b) => a - b);
  const quantile = (q: number): number => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! / MS);
  const meanClient = state.bytesInWindow / spec.clients;
  const utilisation = (key: 'storageEgress' | 'clientIngress' | 'drives') => {
    const values = after[key].map((busy, i) => (busy - before[key][i]!) / (key === 'drives' ? spec.ssd.readBytesPerSec * windowSec : spec.windowNs));
    return { min: round(Math.min(...values)), mean: round(values.reduce((a, b) => a + b, 0) / values.length), max: round(Math.max(...values)) };
  };
  return {
    spec,
    bound,
    measuredBytesPerSec,
    simBoundRatio: measuredBytesPerSec / bound.bytesPerSec,
    simWallPerVirtualSec: phaseWallSec / phaseVirtualSec,
    setup,
    reads: {
      inWindow: state.readsInWindow,
      failures: state.readFailures,
      lastError: state.lastReadError,
      latencyMs: { p50: round(quantile(0.5)), p99: round(quantile(0.99)), mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length) / MS) },
      clientSpread: { min: round(Math.min(...state.bytesByClient) / meanClient), max: round(Math.max(...state.bytesByClient) / meanClient) },
    },
    utilisation: { storageEgress: utilisation('storageEgress'), clientIngress: utilisation('clientIngress'), drives: utilisation('drives') },
    events: { perVirtualSec: Math.round(events / phaseVirtualSec), perWallSec: Math.round(events / phaseWallSec) },
    failures: [...sim.failures],
  };
}

/** Busy time of every storage egress and client ingress port, and bytes read by every drive. */
function snapshot(cluster: BenchCluster): Record<'storageEgress' | 'clientIngress' | 'drives', number[]> {
  const { network } = cluster;
  return {
    storageEgress: cluster.storage.map((id) => network.portStats(cluster.nodeIndex(id)).egress.busyNs),
    clientIngress: cluster.clients.map((id) => network.portStats(cluster.nodeIndex(id)).ingress.busyNs),
    drives: [...cluster.stores.drives.values()].map((drive) => drive.bytesRead),
  };
}

function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}
