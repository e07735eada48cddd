import { findScenario } from './scenarios/index.ts';
import type { ScenarioContext } from './scenarios/types.ts';

export interface SeedRunOptions {
  readonly swarm?: boolean;
  readonly calm?: boolean;
}

export interface SeedResult {
  readonly scenario: string;
  readonly seed: number;
  readonly fingerprint: string;
  readonly violations: string[];
  readonly virtualNs: number;
  readonly events: number;
  readonly wakes: number;
  readonly wallMs: number;
  readonly stats: Readonly<Record<string, number>>;
  readonly coverage: ReadonlyMap<string, number>;
}

/** Runs one seed of one scenario. Unhandled rejections inside the run count as violations. */
export async function runSeed(scenarioName: string, seed: number, options: SeedRunOptions = {}): Promise<SeedResult> {
  const scenario = findScenario(scenarioName);
  const context: ScenarioContext = { seed, swarm: options.swarm ?? true, calm: options.calm ?? false };
  const escaped: string[] = [];
  const onRejection = (reason: unknown): void => {
    escaped.push(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`);
  };
  process.on('unhandledRejection', onRejection);
  const wallStart = performance.now();
  try {
    const run = await scenario.run(context);
    const kernel = run.sim.kernel;
    const violations = [...run.violations, ...escaped];
    kernel.fingerprint.mix(violations.length);
    return {
      scenario: scenarioName,
      seed,
      fingerprint: kernel.fingerprint.hex(),
      violations,
      virtualNs: kernel.nowNs,
      events: kernel.eventsTotal,
      wakes: kernel.wakesTotal,
      wallMs: performance.now() - wallStart,
      stats: run.stats,
      coverage: run.sim.coverage(),
    };
  } finally {
    process.off('unhandledRejection', onRejection);
  }
}

export interface DeterminismResult {
  readonly first: SeedResult;
  readonly second: SeedResult;
  readonly deterministic: boolean;
}

/** Runs a seed twice in this process and compares the trace fingerprints. */
export async function checkDeterminism(scenarioName: string, seed: number, options: SeedRunOptions = {}): Promise<DeterminismResult> {
  const first = await runSeed(scenarioName, seed, options);
  const second = await runSeed(scenarioName, seed, options);
  return {
    first,
    second,
    deterministic: first.fingerprint === second.fingerprint && first.events === second.events && first.virtualNs === second.virtualNs,
  };
}

/** The one command that replays a seed. */
export function replayCommand(scenarioName: string, seed: number, options: SeedRunOptions = {}): string {
  const flags = [options.swarm === false ? '--no-swarm' : '', options.calm ? '--calm' : ''].filter(Boolean).join(' ');
  return `npx flyer sim run ${scenarioName} --seed ${seed}${flags ? ` ${flags}` : ''}`;
}

/** Parses `7`, `1-200` or `1,5,9-12` into a list of seeds. */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) throw new Error(`bad seed list '${text}': use N, A-B or a comma-separated mix`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) throw new Error(`bad seed range '${part}'`);
    for (let seed = from; seed <= to; seed++) seeds.push(seed);
  }
  return seeds;
}
