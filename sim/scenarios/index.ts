import { FlyerError } from '../../system/env/errors.ts';
import { craqScenario } from './craq.ts';
import { smokeScenario } from './smoke.ts';
import { toyCounterScenario } from './toy-counter.ts';
import type { Scenario } from './types.ts';

/** Every scenario `flyer sim run NAME` knows, by name. */
export const scenarios: ReadonlyMap<string, Scenario> = new Map(
  [smokeScenario, toyCounterScenario, craqScenario].map((scenario) => [scenario.name, scenario]),
);

export function findScenario(name: string): Scenario {
  const scenario = scenarios.get(name);
  if (!scenario) throw new FlyerError('INVALID_ARGUMENT', `unknown scenario '${name}'; known: ${[...scenarios.keys()].join(', ')}`);
  return scenario;
}
