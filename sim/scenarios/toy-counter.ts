import { CounterService } from '../../system/services/toy/counter-service.ts';
import { runCounterFaultTest, type CounterTestOptions } from '../../system/services/toy/counter-fault-test.ts';
import { Simulation } from '../simulation.ts';
import { createNemesis } from './fault-setup.ts';
import type { Scenario, ScenarioContext, ScenarioRun } from './types.ts';

const LEADER = 'toy-leader';
const FOLLOWERS = ['toy-follower-1', 'toy-follower-2'];

/** The same options the real-mode test uses, so both modes run the same test. */
export const TOY_TEST_OPTIONS: CounterTestOptions = {
  clients: 3,
  incrementsPerClient: 15,
  faultRounds: 3,
  faultGapNs: 150_000_000,
  callTimeoutNs: 300_000_000,
  convergenceTimeoutNs: 5_000_000_000,
};

export const toyCounterScenario: Scenario = {
  name: 'toy-counter',
  description: 'a counter replicated from a leader to two followers, with clients, crashes and a checker',
  async run(context: ScenarioContext): Promise<ScenarioRun> {
    const sim = new Simulation({ seed: context.seed });
    for (const id of [LEADER, ...FOLLOWERS]) {
      sim.addNode(id, { boot: (env) => CounterService.start(env, { leader: LEADER, followers: FOLLOWERS }).then(() => undefined) });
    }
    const nemesis = createNemesis(sim, context, [LEADER, ...FOLLOWERS], 1);
    let violations: string[] | undefined;
    let acked = 0;
    sim.addNode('toy-client', {
      boot: async (env) => {
        const result = await runCounterFaultTest({
          env,
          leader: LEADER,
          followers: FOLLOWERS,
          crash: async (node) => sim.crash(node),
          restart: async (node) => sim.restart(node),
          beforeConvergence: async () => nemesis.calm(),
        }, TOY_TEST_OPTIONS);
        acked = result.acked.length;
        violations = result.violations;
      },
    });
    sim.start();
    nemesis.start();
    await sim.run({ untilNs: 120_000_000_000, stopWhen: () => violations !== undefined });
    const all = violations ?? ['liveness: the toy test did not finish within 120 virtual seconds'];
    return { sim, violations: [...all, ...sim.failures], stats: { acked, crashes: nemesis.injected.crashes, partitions: nemesis.injected.partitions } };
  },
};
