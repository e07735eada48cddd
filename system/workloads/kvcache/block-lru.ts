import { assert } from '../../env/assert.ts';

export interface LruOptions {
  /** Most blocks kept; 0 = no bound. */
  readonly capacityBlocks: number;
  /** Blocks unused for longer than this are evicted whatever the capacity; 0 = no TTL. */
  readonly ttlNs: number;
}

export interface Eviction {
  readonly id: number;
  readonly sizeBytes: number;
  readonly reason: 'ttl' | 'capacity';
}

interface Entry {
  sizeBytes: number;
  lastAccessNs: number;
}

/**
 * The GC policy of a KV cache: least recently used blocks go first when over capacity, and blocks unused
 * for longer than a TTL go regardless. Blocks pinned by a request in progress are never evicted (Mooncake
 * Store: "unless the block is currently being accessed"). A Map keeps the entries in access order, so a
 * touch and an eviction are O(1).
 *
 * Callers touch a request's blocks deepest first, so a prefix's root is the most recent of them and the
 * leaves leave first: evicting a parent before its children would strand the children (ids are
 * prefix-chained, a child is only reachable through its parent).
 */
export class BlockLru {
  readonly #entries = new Map<number, Entry>();
  readonly #pins = new Map<number, number>();

  constructor(readonly options: LruOptions) {
    assert(Number.isSafeInteger(options.capacityBlocks) && options.capacityBlocks >= 0, 'capacity is a non-negative integer');
    assert(options.ttlNs >= 0, 'ttl is non-negative');
  }

  get size(): number {
    return this.#entries.size;
  }

  has(id: number): boolean {
    return this.#entries.has(id);
  }

  /** Ids from least to most recently used. */
  ids(): number[] {
    return [...this.#entries.keys()];
  }

  /** Records a use (read or write) of a block now: it becomes the most recent. */
  touch(id: number, sizeBytes: number, nowNs: number): void {
    this.#entries.delete(id);
    this.#entries.set(id, { sizeBytes, lastAccessNs: nowNs });
  }

  /** Pins a block for a request in progress; pins count, and a block may be pinned before it is in the index. */
  pin(id: number): void {
    this.#pins.set(id, (this.#pins.get(id) ?? 0) + 1);
  }

  unpin(id: number): void {
    const pins = this.#pins.get(id);
    assert(pins !== undefined, `unpin of block ${id} that is not pinned`);
    if (pins === 1) this.#pins.delete(id);
    else this.#pins.set(id, pins - 1);
  }

  isPinned(id: number): boolean {
    return this.#pins.has(id);
  }

  /**
   * Removes and returns what must go now: every unpinned block idle for longer than the TTL, then the least
   * recently used unpinned blocks while more than the capacity remain, oldest first.
   */
  takeEvictions(nowNs: number): Eviction[] {
    const { capacityBlocks, ttlNs } = this.options;
    const evicted: Eviction[] = [];
    let remaining = this.#entries.size;
    for (const [id, entry] of this.#entries) {
      const expired = ttlNs > 0 && nowNs - entry.lastAccessNs > ttlNs;
      const over = capacityBlocks > 0 && remaining > capacityBlocks;
      // Entries are in access order: once one is neither expired nor over capacity, none after it is.
      if (!expired && !over) break;
      if (this.#pins.has(id)) continue;
      evicted.push({ id, sizeBytes: entry.sizeBytes, reason: expired ? 'ttl' : 'capacity' });
      remaining--;
    }
    for (const eviction of evicted) this.#entries.delete(eviction.id);
    return evicted;
  }
}
