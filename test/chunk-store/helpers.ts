import { makeSimChunkStoreFactory, type SimChunkStoreConfig } from '../../sim/chunk-store/index.ts';
import type { SimEnv } from '../../sim/sim-env.ts';
import { Simulation } from '../../sim/simulation.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import type { Env } from '../../system/env/types.ts';
import { chunkIdOf } from '../../system/services/common/chunk-key.ts';

/** A chunk id for test chunk `n` of inode 7. */
export const cid = (n: number, inode = 7): Uint8Array => chunkIdOf(inode, n);

/** The error code a promise rejects with, or 'ok'. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (isFlyerError(error)) return error.code;
    throw error;
  }
}

/**
 * Runs `lives[i]` as incarnation i of one simulated node, crashing the node between lives (unsynced
 * writes lost), and returns what each life returned.
 */
export async function runLives<T>(lives: Array<(env: Env, sim: Simulation) => Promise<T>>, config: SimChunkStoreConfig = {}, seed = 1): Promise<T[]> {
  const sim = new Simulation({ seed, chunkStoreFactory: makeSimChunkStoreFactory(config) });
  const results: T[] = [];
  let failure: unknown;
  let finished = -1;
  sim.addNode('n', {
    boot: async (env) => {
      const life = (env as SimEnv).incarnation;
      try {
        results[life] = await lives[life]!(env, sim);
      } catch (error) {
        failure ??= error;
      } finally {
        finished = life;
      }
    },
  });
  sim.start();
  for (let life = 0; life < lives.length; life++) {
    if (life > 0) {
      sim.crash('n');
      sim.restart('n');
    }
    await sim.run({ stopWhen: () => finished === life || failure !== undefined, untilNs: sim.kernel.nowNs + 600_000_000_000 });
    if (failure !== undefined) throw failure;
    if (finished !== life) throw new Error(`life ${life} did not finish`);
  }
  if (sim.failures.length > 0) throw new Error(sim.failures.join('\n'));
  return results;
}
