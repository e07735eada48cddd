import { randomStream } from '../../system/env/random.ts';
import type { NodeId } from '../../system/env/types.ts';
import { Nemesis } from '../faults/nemesis.ts';
import { CALM, DEFAULT_FAULTS, drawSwarmRates, type FaultRates } from '../faults/swarm.ts';
import type { Simulation } from '../simulation.ts';
import type { ScenarioContext } from './types.ts';

/** The fault rates a scenario run uses: calm, the defaults, or this seed's swarm draw. */
export function faultRatesFor(context: ScenarioContext): FaultRates {
  if (context.calm) return CALM;
  if (context.swarm) return drawSwarmRates(randomStream(context.seed, 'kernel', 'sim.swarm'));
  return DEFAULT_FAULTS;
}

export function createNemesis(sim: Simulation, context: ScenarioContext, targets: readonly NodeId[], downMax: number): Nemesis {
  return new Nemesis(sim, faultRatesFor(context), randomStream(context.seed, 'kernel', 'sim.nemesis'), { targets, downMax });
}
