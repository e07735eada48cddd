import test from 'ava';
import { Simulation } from '../../sim/simulation.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import type { KvStore } from '../../system/env/kv.ts';
import { DurableKv } from '../../system/env/kv-durable.ts';
import type { Env } from '../../system/env/types.ts';
import { KvService } from '../../system/services/kv/kv-service.ts';
import { RemoteKv } from '../../system/services/kv/remote-kv.ts';
import { MetaClient } from '../../system/services/meta/meta-client.ts';
import { MetaService } from '../../system/services/meta/meta-service.ts';
import { callerOf } from '../meta/harness.ts';
import { TEST_META_OPTIONS } from '../meta/sim-cluster.ts';

// Goal: in simulation, two meta servers whose namespace is on one KV service node (DurableKv on its
// disk, reached through RemoteKv) behave as one namespace: creates racing on the same names from both
// servers conflict in the service and are retried into exactly one inode per name; distinct names are
// never lost; and crashing the KV node mid-stream loses no acknowledged create.

const MS = 1_000_000;
const S = 1_000_000_000;

/** The service node keeps the stores; every other node reaches them through it. */
const kvFactory = (env: Env, name: string): Promise<KvStore> =>
  env.nodeId === 'kv' ? DurableKv.open(env.disk, name) : RemoteKv.open(env, { server: 'kv', store: name, callTimeoutNs: 300 * MS, commitTimeoutNs: 300 * MS });

interface Outcome {
  /** Per same-name race: did both servers return the one inode? */
  sameInode: boolean[];
  acked: string[];
  listing: { viaMeta1: string[]; viaMeta2: string[] } | undefined;
}

async function run(seed: number): Promise<{ outcome: Outcome; sim: Simulation }> {
  const sim = new Simulation({ seed, kvFactory });
  const outcome: Outcome = { sameInode: [], acked: [], listing: undefined };
  sim.addNode('kv', { boot: (env) => void KvService.start(env) });
  for (const id of ['meta-1', 'meta-2']) sim.addNode(id, { boot: async (env) => void (await MetaService.start(env, TEST_META_OPTIONS)) });
  sim.addNode('client', {
    boot: async (env) => {
      const via = (server: string): MetaClient => new MetaClient(env, { servers: [server], caller: callerOf(1), attemptTimeoutNs: 1 * S, totalTimeoutNs: 60 * S });
      const [meta1, meta2] = [via('meta-1'), via('meta-2')];
      await env.clock.sleep(100 * MS); // the servers start
      await meta1.mkdirs('/race', { recursive: true });
      // Same names from both servers at once: one inode each.
      outcome.sameInode = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
        const [a, b] = await Promise.all([meta1.create(`/race/same-${i}`), meta2.create(`/race/same-${i}`)]);
        return a.id === b.id;
      }));
      // Distinct names from both while the KV node crashes and restarts.
      const writers = [meta1, meta2].flatMap((meta, m) => Array.from({ length: 3 }, async (_, w) => {
        for (let i = 0; env.clock.now() < 3 * S; i++) {
          const name = `m${m + 1}-${w}-${i}`;
          try {
            await meta.create(`/race/${name}`, { exclusive: true });
            outcome.acked.push(name);
          } catch (error) {
            if (!isFlyerError(error)) throw error;
          }
          await env.clock.sleep(5 * MS);
        }
      }));
      await Promise.all(writers);
      const names = async (meta: MetaClient): Promise<string[]> => (await meta.listAll('/race')).map((e) => e.name).sort();
      outcome.listing = { viaMeta1: await names(meta1), viaMeta2: await names(meta2) };
    },
  });
  sim.start();
  sim.after(1 * S + seed * 7_777_777, () => sim.crash('kv'));
  sim.after(1_500 * MS + seed * 7_777_777, () => sim.restart('kv'));
  await sim.run({ untilNs: 120 * S, stopWhen: () => outcome.listing !== undefined });
  if (sim.failures.length > 0) throw new Error(sim.failures.join('\n'));
  return { outcome, sim };
}

test('two simulated meta servers over one KV service node: one namespace, races resolved, nothing acknowledged lost', async (t) => {
  let conflicts = 0;
  for (let seed = 1; seed <= 2; seed++) {
    const { outcome, sim } = await run(seed);
    t.truthy(outcome.listing, `seed ${seed}: the client finished`);
    t.deepEqual(outcome.sameInode, Array(10).fill(true), `seed ${seed}: one inode per name`);
    const { viaMeta1, viaMeta2 } = outcome.listing!;
    t.deepEqual(viaMeta1, viaMeta2, `seed ${seed}: both servers list the same entries`);
    t.deepEqual(outcome.acked.filter((name) => !viaMeta1.includes(name)), [], `seed ${seed}: acknowledged creates all present`);
    t.true(outcome.acked.length > 100, `seed ${seed}: ${outcome.acked.length} creates acknowledged`);
    conflicts += sim.coverage().get('kv.client.retry.KV_CONFLICT') ?? 0;
  }
  t.true(conflicts > 0, 'the same-name races did conflict in the KV service');
});
