import { assert } from '../../system/env/assert.ts';
import type { Env } from '../../system/env/types.ts';
import { MS } from '../perf/storage-bench-spec.ts';

/**
 * The coordinator's side of phases in a simulated run: clients wait for the phase number to reach
 * theirs, run, and post their output; the coordinator waits for all outputs, then opens the next phase.
 * Shared memory stands in for the coordinator's RPCs (it is test-harness state, like a checker's), and
 * every wait is a sleep on the simulated clock, so runs stay deterministic.
 */
export class PhaseBarrier {
  phase = -1;
  originNs = 0;
  readonly inputs: unknown[][] = [];
  readonly outputs: unknown[][] = [];
  readonly progress: number[] = [];
  ready = 0;
  finished = false;

  constructor(readonly clients: number, readonly pollNs = 5 * MS) {}

  async waitFor(env: Env, condition: () => boolean): Promise<void> {
    while (!condition()) await env.clock.sleep(this.pollNs);
  }

  open(phase: number, inputs: unknown[]): void {
    assert(phase === this.phase + 1 && inputs.length === this.clients, 'phases open in order with an input per client');
    this.inputs[phase] = inputs;
    this.outputs[phase] = [];
    this.progress.fill(0);
    this.phase = phase;
  }

  post(phase: number, client: number, output: unknown): void {
    this.outputs[phase]![client] = output === undefined ? null : output;
  }

  done(phase: number): boolean {
    const outputs = this.outputs[phase];
    return outputs !== undefined && outputs.filter((o) => o !== undefined).length === this.clients;
  }
}
