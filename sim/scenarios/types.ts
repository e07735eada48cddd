import type { Simulation } from '../simulation.ts';

export interface ScenarioContext {
  readonly seed: number;
  /** Draw this seed's fault rates (swarm testing) instead of the defaults. */
  readonly swarm: boolean;
  /** Run without any injected fault. */
  readonly calm: boolean;
}

export interface ScenarioRun {
  readonly sim: Simulation;
  readonly violations: string[];
  readonly stats: Readonly<Record<string, number>>;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(context: ScenarioContext): Promise<ScenarioRun>;
}
