import { FlyerError } from '../env/errors.ts';
import type { Clock, Timer } from '../env/types.ts';

/** One origin per process, so every RealEnv in a process reads the same monotonic clock. */
const ORIGIN_NS = process.hrtime.bigint();
/** Node's timers take at most 2^31-1 ms; longer delays are reached in several hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkDuration(durationNs: number, what: string): void {
  if (!Number.isFinite(durationNs) || durationNs < 0) {
    throw new FlyerError('INVALID_ARGUMENT', `${what}: duration ${durationNs} ns is not a non-negative finite number`);
  }
}

/**
 * The clock of real mode. `now()` is process.hrtime (monotonic, never stepped) since module load.
 * Node timers have millisecond resolution, so delays round up: a sleep never ends early.
 *
 * close() cancels every timer and leaves pending sleeps pending forever, as a crashed node's wakes
 * are in simulation: a service loop simply stops, and no rejection surfaces from a shut-down node.
 */
export class RealClock implements Clock {
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  now(): number {
    return Number(process.hrtime.bigint() - ORIGIN_NS);
  }

  /** Milliseconds since the epoch scaled to ns: follows the system clock, steps included (as wall time should). */
  wallNs(): number {
    return Date.now() * 1_000_000;
  }

  sleep(durationNs: number, signal?: AbortSignal): Promise<void> {
    try {
      checkDuration(durationNs, 'sleep');
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(new FlyerError('ABORTED', `sleep of ${durationNs} ns aborted before it began`));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancel();
        reject(new FlyerError('ABORTED', `sleep of ${durationNs} ns`));
      };
      const timer = this.setTimer(durationNs, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimer(delayNs: number, callback: () => void): Timer {
    checkDuration(delayNs, 'setTimer');
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const dueNs = this.now() + delayNs;
    const arm = (): void => {
      if (this.#closed || cancelled) return;
      const remainingMs = Math.ceil(Math.max(0, dueNs - this.now()) / 1e6);
      handle = setTimeout(() => {
        this.#timers.delete(handle!);
        // A delay beyond Node's timer range arrives in hops; also guards against an early wake.
        if (this.now() < dueNs) arm();
        else if (!cancelled) callback();
      }, Math.min(remainingMs, MAX_TIMER_MS));
      this.#timers.add(handle);
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        if (handle !== undefined) {
          clearTimeout(handle);
          this.#timers.delete(handle);
        }
      },
    };
  }

  /** Timers still armed (tests check nothing leaks). */
  get activeTimerCount(): number {
    return this.#timers.size;
  }

  close(): void {
    this.#closed = true;
    for (const handle of this.#timers) clearTimeout(handle);
    this.#timers.clear();
  }
}
