import { Simulation } from '../../sim/simulation.ts';
import type { KvStore, KvTransaction } from '../../system/env/kv.ts';
import { MemoryKv } from '../../system/env/kv-memory.ts';
import { KvService, type KvServiceOptions } from '../../system/services/kv/kv-service.ts';
import { RemoteKv } from '../../system/services/kv/remote-kv.ts';

/**
 * Test code outside a simulation using a KvStore that lives inside one: a RemoteKv on a simulated client
 * node talking to a KvService node. The contract suite holds transactions open on promises it resolves
 * itself, so the simulation cannot simply run to idle: while any call is pending it runs in short
 * slices of virtual time and yields to the real event loop between them, so test code gets to open its
 * gates before virtual time runs far ahead (and, say, expires the transaction).
 */
const SLICE_NS = 1_000_000;

export class SimDriver {
  #pending = 0;
  #pumping = false;

  constructor(readonly sim: Simulation) {}

  drive<T>(start: () => Promise<T>): Promise<T> {
    this.#pending++;
    const promise = start();
    promise.then(() => this.#pending--, () => this.#pending--);
    void this.#pump();
    return promise;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#pending > 0) {
        await this.sim.run({ untilNs: this.sim.kernel.nowNs + SLICE_NS, stopWhen: () => this.#pending === 0 });
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.#pumping = false;
    }
    if (this.sim.failures.length > 0) throw new Error(this.sim.failures.join('\n'));
  }
}

class SimDrivenKv implements KvStore {
  constructor(private readonly driver: SimDriver, private readonly remote: RemoteKv) {}

  transact<T>(body: (txn: KvTransaction) => Promise<T>, options?: { maxRetries?: number }): Promise<T> {
    return this.driver.drive(() => this.remote.transact(body, options));
  }

  close(): Promise<void> {
    return this.remote.close();
  }
}

/** A fresh simulated KV service (over a MemoryKv) and a RemoteKv client of it, usable from test code. */
export async function simDrivenRemoteKv(seed: number, service: KvServiceOptions = {}): Promise<KvStore> {
  // Test code runs interleaved with simulated code here (it awaits the client directly), so the
  // determinism tripwires would fire on the test runner's own timers.
  const sim = new Simulation({ seed, tripwires: false, kvFactory: async () => new MemoryKv() });
  sim.addNode('kv', { boot: (env) => void KvService.start(env, service) });
  let remote: RemoteKv | undefined;
  sim.addNode('client', { boot: async (env) => { remote = await RemoteKv.open(env, { server: 'kv', store: 'contract' }); } });
  sim.start();
  await sim.run({ stopWhen: () => remote !== undefined });
  return new SimDrivenKv(new SimDriver(sim), remote!);
}
