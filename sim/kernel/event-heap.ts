import { assert } from '../../system/env/assert.ts';

/**
 * Binary min-heap of events keyed by (timeNs, seq), stored as a struct of typed arrays so the hot loop
 * touches no objects: times and sequence numbers in Float64Arrays (integers up to 2^53), and an Int32
 * slot index that points at the event's callback and owner in the kernel's slot tables.
 */
export class EventHeap {
  #times: Float64Array;
  #seqs: Float64Array;
  #slots: Int32Array;
  #size = 0;

  constructor(initialCapacity = 1024) {
    // At least one slot: growth doubles the capacity, and doubling zero would stay zero.
    initialCapacity = Math.max(1, Math.floor(initialCapacity));
    this.#times = new Float64Array(initialCapacity);
    this.#seqs = new Float64Array(initialCapacity);
    this.#slots = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.#size;
  }

  peekTime(): number {
    assert(this.#size > 0, 'peekTime on an empty heap');
    return this.#times[0]!;
  }

  push(timeNs: number, seq: number, slot: number): void {
    if (this.#size === this.#times.length) this.#grow();
    const times = this.#times;
    const seqs = this.#seqs;
    const slots = this.#slots;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < timeNs || (pt === timeNs && seqs[parent]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      slots[i] = slots[parent]!;
      i = parent;
    }
    times[i] = timeNs;
    seqs[i] = seq;
    slots[i] = slot;
  }

  /** Removes the earliest event and returns its slot. */
  pop(): number {
    assert(this.#size > 0, 'pop on an empty heap');
    const times = this.#times;
    const seqs = this.#seqs;
    const slots = this.#slots;
    const top = slots[0]!;
    const n = --this.#size;
    if (n > 0) {
      const lt = times[n]!;
      const ls = seqs[n]!;
      const lslot = slots[n]!;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        const right = child + 1;
        if (right < n && (times[right]! < times[child]! || (times[right] === times[child] && seqs[right]! < seqs[child]!))) {
          child = right;
        }
        const ct = times[child]!;
        if (lt < ct || (lt === ct && ls < seqs[child]!)) break;
        times[i] = ct;
        seqs[i] = seqs[child]!;
        slots[i] = slots[child]!;
        i = child;
      }
      times[i] = lt;
      seqs[i] = ls;
      slots[i] = lslot;
    }
    return top;
  }

  #grow(): void {
    const capacity = this.#times.length * 2;
    const times = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    const slots = new Int32Array(capacity);
    times.set(this.#times);
    seqs.set(this.#seqs);
    slots.set(this.#slots);
    this.#times = times;
    this.#seqs = seqs;
    this.#slots = slots;
  }
}
