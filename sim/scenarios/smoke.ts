import { FlyerError, isFlyerError } from '../../system/env/errors.ts';
import { materialize, payloadDigest, realPayload, syntheticPayload, type Payload } from '../../system/env/payload.ts';
import { defineMethod, type Env } from '../../system/env/types.ts';
import { NetworkModel } from '../net/index.ts';
import { Simulation } from '../simulation.ts';
import { createNemesis } from './fault-setup.ts';
import type { Scenario, ScenarioContext, ScenarioRun } from './types.ts';

/**
 * Smoke: three servers persist blobs (write + sync, then acknowledge) while a client stores and
 * fetches them under every kind of fault. After the liveness phase every acknowledged blob must read
 * back with its digest: acknowledged means durable, whatever crashed in between.
 */
const store = defineMethod<{ key: string; payload: Payload }, { digest: number }>(10, 1, 'smoke.store');
const fetch = defineMethod<{ key: string }, { payload: Payload }>(10, 2, 'smoke.fetch');

const SERVERS = ['server-0', 'server-1', 'server-2'];
const SAFETY_NS = 2_000_000_000;
const LIVENESS_NS = 3_000_000_000;

async function serveBlobs(env: Env): Promise<void> {
  env.rpc.serve(store, async ({ key, payload }) => {
    await env.cpu.charge(2_000);
    const file = await env.disk.open(`blob/${key}`, { create: true });
    await file.truncate(0);
    await file.write(0, materialize(payload));
    if (env.buggify('smoke.skip-sync-delay', 0.1)) await env.clock.sleep(1_000_000);
    await file.sync();
    env.sometimes('smoke: blob stored');
    return { digest: payloadDigest(realPayload(materialize(payload))) };
  });
  env.rpc.serve(fetch, async ({ key }) => {
    if (!(await env.disk.exists(`blob/${key}`))) throw new FlyerError('DISK_NOT_FOUND', key);
    const file = await env.disk.open(`blob/${key}`);
    return { payload: realPayload(await file.read(0, file.sizeBytes())) };
  });
}

export const smokeScenario: Scenario = {
  name: 'smoke',
  description: 'three blob servers and a client under crashes, partitions, loss and disk faults',
  async run(context: ScenarioContext): Promise<ScenarioRun> {
    const sim = new Simulation({ seed: context.seed });
    for (const id of SERVERS) sim.addNode(id, { boot: serveBlobs, cores: 2 });
    const acked = new Map<string, { server: string; digest: number }>();
    const violations: string[] = [];
    let attempts = 0;
    let clientDone = false;
    sim.addNode('client-0', {
      boot: async (env) => {
        const random = env.random('smoke.client');
        for (let i = 0; env.clock.now() < SAFETY_NS; i++) {
          const server = random.pick(SERVERS);
          const key = `k${i}`;
          const size = random.intBetween(0, 20_000);
          const payload = random.chance(0.5) ? syntheticPayload({ contentSeed: i + 1, sizeBytes: size }) : realPayload(new Uint8Array(size).fill(i & 0xff));
          attempts++;
          try {
            const reply = await env.rpc.call(server, store, { key, payload }, { timeoutNs: 100_000_000 });
            acked.set(key, { server, digest: reply.digest });
          } catch (error) {
            if (!isFlyerError(error)) throw error;
          }
          await env.clock.sleep(random.intBetween(0, 2_000_000));
        }
        await env.clock.sleep(LIVENESS_NS / 2);
        for (const [key, { server, digest }] of acked) {
          const reply = await env.rpc.call(server, fetch, { key }, { timeoutNs: 500_000_000 }).catch((e: FlyerError) => e);
          if (reply instanceof FlyerError) violations.push(`acknowledged ${key} on ${server} unreadable: ${reply.code}`);
          else if (payloadDigest(reply.payload) !== digest) violations.push(`acknowledged ${key} on ${server} changed`);
        }
        clientDone = true;
      },
    });
    // Messages cross the segment-level network model: 100 Gb/s ports, two zones joined by one link.
    sim.setNetwork(new NetworkModel({
      kernel: sim.kernel,
      config: {
        nodes: sim.nodes.map((node) => ({ zone: node.index % 2, lineRateBitsPerSec: 100e9, efficiency: 0.96 })),
        links: [{ zoneA: 0, zoneB: 1, capacityBitsPerSec: 100e9, efficiency: 0.96, latencyNs: 2_000 }],
        hopLatencyNs: 1_000,
        loopbackLatencyNs: 500,
      },
    }));
    const nemesis = createNemesis(sim, context, SERVERS, 2);
    sim.start();
    nemesis.start();
    await sim.run({ untilNs: SAFETY_NS });
    nemesis.calm();
    await sim.run({ untilNs: SAFETY_NS + LIVENESS_NS, stopWhen: () => clientDone });
    if (!clientDone) violations.push('liveness: the client did not finish its checks by the deadline');
    violations.push(...sim.failures);
    return { sim, violations, stats: { attempts, acked: acked.size, crashes: nemesis.injected.crashes, partitions: nemesis.injected.partitions, dropped: sim.netFaults.droppedMessages } };
  },
};
