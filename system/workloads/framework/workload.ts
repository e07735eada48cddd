import type { Env } from '../../env/types.ts';
import type { Chart } from '../../report/index.ts';
import type { FlyerFs } from '../../services/fs/flyer-fs.ts';
import type { ClusterSpec } from '../spec/cluster-spec.ts';
import type { RecordedSeries, ThroughputRecorder } from './throughput-recorder.ts';

export type RunMode = 'sim' | 'local' | 'hosts';

/** What a workload's code sees on one client node, the same in simulation and on real clients. */
export interface ClientContext<P> {
  readonly env: Env;
  readonly fs: FlyerFs;
  readonly clientIndex: number;
  readonly clientCount: number;
  readonly params: P;
  readonly mode: RunMode;
  /** Time series of this client; the driver merges them. */
  readonly recorder: ThroughputRecorder;
  /** Reports units of work done in the current phase (for the progress line). */
  progress(doneUnits: number): void;
}

/**
 * One phase runs on every client at once; the next starts when all are done (a barrier, as smallpond's
 * stages are). Its output must be JSON-serialisable: in real mode it crosses a process boundary.
 */
export interface WorkloadPhase<P> {
  readonly name: string;
  /** Units of work per client (for progress); optional. */
  units?(params: P, clientIndex: number, clientCount: number): number;
  run(ctx: ClientContext<P>, input: unknown): Promise<unknown>;
}

export interface PhaseRecord {
  readonly name: string;
  /** Seconds since the run's origin, on the same clock as the series. */
  readonly startSec: number;
  readonly endSec: number;
  readonly outputs: readonly unknown[];
}

/** Everything a finished run hands to the workload's report. */
export interface CompletedRun<P> {
  readonly params: P;
  readonly mode: RunMode;
  readonly clientCount: number;
  readonly spec?: ClusterSpec;
  readonly seed?: number;
  readonly phases: readonly PhaseRecord[];
  /** Per-client recordings, in client order. */
  readonly series: readonly RecordedSeries[];
  readonly wallSec: number;
}

export interface WorkloadDefinition<P> {
  readonly name: string;
  readonly title: string;
  /** Parameters from the spec's [workload] table and --param overrides (strings from the command line). */
  parseParams(raw: Readonly<Record<string, unknown>>, mode: RunMode, spec?: ClusterSpec): P;
  readonly phases: ReadonlyArray<WorkloadPhase<P>>;
  /** Between phases: the per-client inputs of phase `nextIndex` from the outputs of every phase before it (by phase, then client). */
  planNext?(nextIndex: number, outputsByPhase: ReadonlyArray<readonly unknown[]>, params: P, clientCount: number): unknown[];
  /** Time-series bin width. */
  binNs(params: P): number;
  /** Charts (with the 3FS figure beside them where one exists), summary numbers and checks of a finished run. */
  report(run: CompletedRun<P>): WorkloadReport;
}

export interface WorkloadReport {
  readonly charts: readonly Chart[];
  readonly summary: Readonly<Record<string, string | number>>;
  readonly notes?: readonly string[];
  /** Failed checks (e.g. valsort found disorder): the run is reported, and the command fails. */
  readonly problems?: readonly string[];
}
