/**
 * `npm run bench -- sim`: event throughput of the simulation kernel against a bare typed-array heap
 * loop measured in the same run. Targets (issue #2): sync model events >= 0.5x the baseline, async wake
 * events (service code resuming through the quiescence barrier) >= 0.15x.
 */
import { Bench } from 'tinybench';
import { EventHeap } from '../sim/kernel/event-heap.ts';
import { Kernel } from '../sim/kernel/kernel.ts';
import { Simulation } from '../sim/simulation.ts';
import { randomStream } from '../system/env/random.ts';
import { writeBenchReport } from './report.ts';

const ACTORS = 1000;
const EVENTS_PER_BATCH = 200_000;

/** The floor: a heap of 1,000 pending events, pop one and push its successor, no kernel around it. */
function baselineBatch(): void {
  const heap = new EventHeap();
  const random = randomStream(1, 'bench', 'baseline');
  let seq = 0;
  for (let i = 0; i < ACTORS; i++) heap.push(random.int(1000), seq++, i);
  for (let n = 0; n < EVENTS_PER_BATCH; n++) {
    const time = heap.peekTime();
    const slot = heap.pop();
    heap.push(time + 1 + random.int(1000), seq++, slot);
  }
}

/** Model events: 1,000 synchronous actors, each re-arming itself with a random delay. */
async function syncBatch(): Promise<void> {
  const kernel = new Kernel({ tripwires: false });
  const random = randomStream(1, 'bench', 'sync');
  let remaining = EVENTS_PER_BATCH;
  const actor = (): void => {
    if (--remaining > 0) kernel.scheduleModel(kernel.nowNs + 1 + random.int(1000), actor);
  };
  for (let i = 0; i < ACTORS; i++) kernel.scheduleModel(random.int(1000), actor);
  await kernel.run({ stopWhen: () => remaining <= 0 });
}

/** Wake events: 1,000 async service loops on simulated nodes, each awaiting env.clock.sleep. */
async function wakeBatch(): Promise<void> {
  const sim = new Simulation({ seed: 1 });
  let remaining = EVENTS_PER_BATCH;
  for (let node = 0; node < 10; node++) {
    sim.addNode(`n${node}`, {
      boot: async (env) => {
        const random = env.random('bench');
        await Promise.all(Array.from({ length: ACTORS / 10 }, async () => {
          while (remaining-- > 0) await env.clock.sleep(1 + random.int(1000));
        }));
      },
    });
  }
  sim.start();
  await sim.run({ stopWhen: () => remaining <= 0 });
}

export async function run(): Promise<void> {
  const bench = new Bench({ iterations: 5, time: 0, warmupIterations: 1 });
  bench.add('baseline heap loop', baselineBatch).add('sync model events', syncBatch).add('async wake events', wakeBatch);
  await bench.run();
  console.table(bench.table());
  const eventsPerSec = (name: string): number => {
    const task = bench.getTask(name);
    const result = task?.result as { latency?: { p50?: number; mean?: number } } | undefined;
    const medianMs = result?.latency?.p50 ?? result?.latency?.mean;
    if (!medianMs) throw new Error(`benchmark task '${name}' produced no result`);
    return EVENTS_PER_BATCH / (medianMs / 1000);
  };
  const baselineEventsPerSec = eventsPerSec('baseline heap loop');
  const syncEventsPerSec = eventsPerSec('sync model events');
  const wakeEventsPerSec = eventsPerSec('async wake events');
  const results = {
    baselineEventsPerSec: Math.round(baselineEventsPerSec),
    syncEventsPerSec: Math.round(syncEventsPerSec),
    wakeEventsPerSec: Math.round(wakeEventsPerSec),
    syncRatio: Number((syncEventsPerSec / baselineEventsPerSec).toFixed(3)),
    wakeRatio: Number((wakeEventsPerSec / baselineEventsPerSec).toFixed(3)),
    targets: { syncRatio: 0.5, wakeRatio: 0.15 },
    method: `median of 5 batches of ${EVENTS_PER_BATCH} events with ${ACTORS} concurrent actors each`,
  };
  const path = writeBenchReport('sim', results);
  console.log(`sync ${results.syncRatio}x baseline (target 0.5), wake ${results.wakeRatio}x (target 0.15) -> ${path}`);
}
