import { assert } from '../../env/assert.ts';

/**
 * An async counting semaphore with a FIFO wait queue: bounds how many operations of a kind run at once
 * (reads per storage node, transmissions into one client). Pure promises, no timers, so it behaves
 * the same in simulation and for real.
 */
export class Semaphore {
  #available: number;
  readonly #waiters: Array<() => void> = [];
  #head = 0;

  constructor(readonly permits: number) {
    assert(Number.isSafeInteger(permits) && permits >= 1, `a semaphore needs at least one permit, got ${permits}`);
    this.#available = permits;
  }

  get available(): number {
    return this.#available;
  }

  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  acquire(): Promise<void> {
    if (this.#available > 0 && this.waiting === 0) {
      this.#available--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  tryAcquire(): boolean {
    if (this.#available > 0 && this.waiting === 0) {
      this.#available--;
      return true;
    }
    return false;
  }

  release(): void {
    if (this.#head < this.#waiters.length) {
      const next = this.#waiters[this.#head]!;
      this.#waiters[this.#head++] = noop;
      if (this.#head > 64 && this.#head * 2 > this.#waiters.length) {
        this.#waiters.splice(0, this.#head);
        this.#head = 0;
      }
      next();
      return;
    }
    this.#available++;
    assert(this.#available <= this.permits, 'semaphore released more often than acquired');
  }

  async with<T>(body: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await body();
    } finally {
      this.release();
    }
  }
}

function noop(): void {}
