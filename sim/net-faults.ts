import { assert } from '../system/env/assert.ts';
import type { RandomStream } from '../system/env/random.ts';

/**
 * Network faults in front of the network model: partitions (directed, so one-way partitions are a
 * single blocked direction), random loss, duplication and extra delay. All draws come from one seeded
 * stream, in message order, so a seed replays exactly.
 */
export class NetworkFaults {
  dropProbability = 0;
  duplicateProbability = 0;
  delayProbability = 0;
  delayMaxNs = 0;
  readonly #blocked = new Set<number>();
  #dropped = 0;
  #duplicated = 0;

  constructor(private readonly random: RandomStream) {}

  get droppedMessages(): number {
    return this.#dropped;
  }
  get duplicatedMessages(): number {
    return this.#duplicated;
  }

  /** Blocks messages from `from` to `to` (and back, unless `oneWay`). */
  partition(from: number, to: number, options: { oneWay?: boolean } = {}): void {
    this.#blocked.add(pairKey(from, to));
    if (!options.oneWay) this.#blocked.add(pairKey(to, from));
  }

  /** Cuts a group of nodes off from everyone else (both directions). */
  isolate(group: readonly number[], nodeCount: number): void {
    const inGroup = new Set(group);
    for (const a of group) for (let b = 0; b < nodeCount; b++) if (!inGroup.has(b)) this.partition(a, b);
  }

  heal(): void {
    this.#blocked.clear();
  }

  /** Stops random loss, duplication and delay (partitions stay until healed). */
  calm(): void {
    this.dropProbability = 0;
    this.duplicateProbability = 0;
    this.delayProbability = 0;
    this.delayMaxNs = 0;
  }

  blocked(from: number, to: number): boolean {
    return this.#blocked.size > 0 && this.#blocked.has(pairKey(from, to));
  }

  get partitionedPairs(): number {
    return this.#blocked.size;
  }

  /** Decides a message's fate: `send(extraDelayNs)` is called zero (lost), one or two (duplicated) times. */
  route(from: number, to: number, send: (extraDelayNs: number) => void): void {
    if (from === to) return send(0);
    if (this.blocked(from, to) || this.random.chance(this.dropProbability)) {
      this.#dropped++;
      return;
    }
    send(this.#delay());
    if (this.random.chance(this.duplicateProbability)) {
      this.#duplicated++;
      send(this.#delay());
    }
  }

  #delay(): number {
    if (this.delayMaxNs <= 0 || !this.random.chance(this.delayProbability)) return 0;
    return this.random.int(this.delayMaxNs) + 1;
  }
}

/** Node indices stay below 2^20 (a million simulated nodes), so the pair key is unique. */
const NODE_INDEX_LIMIT = 1_048_576;

function pairKey(from: number, to: number): number {
  assert(from < NODE_INDEX_LIMIT && to < NODE_INDEX_LIMIT, `node index beyond ${NODE_INDEX_LIMIT}`);
  return from * NODE_INDEX_LIMIT + to;
}
