import type { RecordedSeries } from '../../workloads/framework/throughput-recorder.ts';

/**
 * The coordinator and its client worker processes talk in JSON lines: the coordinator sends one
 * `PhaseCommand` per phase on stdin; a worker answers on stdout with `ready` once connected, `progress`
 * now and then, and `output` (with its series so far) when the phase is done, or `error`.
 */
export interface PhaseCommand {
  readonly phase: number;
  readonly input: unknown;
  /** Wall-clock ns of the run's time origin: every worker's series bins count from it. */
  readonly originWallNs: number;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly phase: number; readonly done: number }
  | { readonly type: 'output'; readonly phase: number; readonly output: unknown; readonly series: RecordedSeries }
  | { readonly type: 'error'; readonly message: string };
