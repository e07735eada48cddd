import type { RandomStream } from '../../env/random.ts';

/**
 * Draws ranks 0..n-1 with P(k) proportional to 1/(k+1)^s: a few system prompts are used by most
 * sessions, a long tail by few (the popularity shape of shared prompts).
 */
export class ZipfSampler {
  readonly #cdf: Float64Array;

  constructor(readonly n: number, readonly s: number) {
    this.#cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) this.#cdf[k] = (sum += 1 / (k + 1) ** s);
    for (let k = 0; k < n; k++) this.#cdf[k] = this.#cdf[k]! / sum;
  }

  sample(random: RandomStream): number {
    const u = random.next();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
