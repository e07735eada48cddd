import { assert } from '../../system/env/assert.ts';

/**
 * Growable FIFO rings for the per-segment path, so queueing a segment allocates nothing once a ring
 * has reached its working size.
 */

/** A FIFO of items. */
export class Ring<T> {
  #items: Array<T | null> = new Array<T | null>(16).fill(null);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size++;
  }

  shift(): T {
    assert(this.#size > 0, 'shift on an empty ring');
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = null;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }

  #grow(): void {
    const grown = new Array<T | null>(this.#items.length * 2).fill(null);
    for (let i = 0; i < this.#size; i++) grown[i] = this.#items[(this.#head + i) % this.#items.length]!;
    this.#items = grown;
    this.#head = 0;
  }
}

/**
 * A FIFO of (item, time) whose times never decrease: segments heading for one resource from upstream
 * resources that share one latency leave in time order, so they also arrive in time order.
 */
export class TimedRing<T> {
  #items: Array<T | null> = new Array<T | null>(16).fill(null);
  #times = new Float64Array(16);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Time of the oldest entry; Infinity when empty. */
  peekTime(): number {
    return this.#size === 0 ? Number.POSITIVE_INFINITY : this.#times[this.#head]!;
  }

  push(item: T, timeNs: number): void {
    if (this.#size === this.#items.length) this.#grow();
    const capacity = this.#items.length;
    if (this.#size > 0) {
      const lastTimeNs = this.#times[(this.#head + this.#size - 1) % capacity]!;
      if (timeNs < lastTimeNs) assert(false, `timed ring out of order: ${timeNs} after ${lastTimeNs}`);
    }
    const index = (this.#head + this.#size) % capacity;
    this.#items[index] = item;
    this.#times[index] = timeNs;
    this.#size++;
  }

  shift(): T {
    assert(this.#size > 0, 'shift on an empty timed ring');
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = null;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }

  #grow(): void {
    const capacity = this.#items.length;
    const items = new Array<T | null>(capacity * 2).fill(null);
    const times = new Float64Array(capacity * 2);
    for (let i = 0; i < this.#size; i++) {
      items[i] = this.#items[(this.#head + i) % capacity]!;
      times[i] = this.#times[(this.#head + i) % capacity]!;
    }
    this.#items = items;
    this.#times = times;
    this.#head = 0;
  }
}
