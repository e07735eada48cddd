/**
 * Per-chunk async mutexes (3fs-notes §1.3 write step 3). An update holds its chunk's lock from before
 * the local update until its local commit, across the whole chain round trip, so updates of one chunk
 * are serialised; resync takes the same lock to send a chunk. FIFO: waiters get the lock in arrival order.
 */
export class ChunkLocks {
  /** Per key, the promise the next waiter waits for (resolves when the current holder releases). */
  readonly #tails = new Map<string, Promise<void>>();

  get lockedCount(): number {
    return this.#tails.size;
  }

  /** Resolves when the lock of `key` is ours, with the function that releases it (safe to call twice). */
  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key);
    let open!: () => void;
    const released = new Promise<void>((resolve) => (open = resolve));
    const tail = previous ? previous.then(() => released) : released;
    this.#tails.set(key, tail);
    if (previous) await previous;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      open();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}
