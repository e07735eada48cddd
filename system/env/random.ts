import { assert } from './assert.ts';

/**
 * Seeded random streams. Each (seed, node, subsystem) triple gets its own independent stream, so a new
 * draw added in one subsystem never shifts the draws of another (the cosmos-sdk#4239 lesson): replays
 * of old seeds stay meaningful as the code grows.
 */
export interface RandomStream {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Uniform integer in [min, max] inclusive. */
  intBetween(min: number, max: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
  /** Exponentially distributed value with the given mean. */
  exponential(mean: number): number;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: T[]): T[];
}

const MASK64 = (1n << 64n) - 1n;

/** splitmix64: a good 64-bit mixer, used only to seed streams (BigInt is slow but seeding is rare). */
function splitmix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

/** 53-bit string hash (cyrb53), stable across runs and platforms. */
export function hashString53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** sfc32: small, fast and statistically sound; all state in 32-bit integers so V8 keeps it unboxed. */
class Sfc32Stream implements RandomStream {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed64: bigint) {
    let state = seed64 & MASK64;
    const words: number[] = [];
    for (let i = 0; i < 2; i++) {
      const [nextState, value] = splitmix64(state);
      state = nextState;
      words.push(Number(value & 0xffffffffn), Number((value >> 32n) & 0xffffffffn));
    }
    this.#a = words[0]! | 0;
    this.#b = words[1]! | 0;
    this.#c = words[2]! | 0;
    this.#d = words[3]! | 0;
    // Discard the first outputs: sfc32 mixes its state over its first few rounds.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  int(maxExclusive: number): number {
    assert(Number.isSafeInteger(maxExclusive) && maxExclusive > 0, `int() needs a positive bound, got ${maxExclusive}`);
    if (maxExclusive <= 4294967296) return Math.floor(this.next() * maxExclusive);
    // The 64-bit draw divided by 2^64 can round up to 1.0 in floating point: clamp to the last value.
    return Math.min(maxExclusive - 1, Math.floor((this.nextU32() * 4294967296 + this.nextU32()) / 18446744073709551616 * maxExclusive));
  }

  intBetween(min: number, max: number): number {
    assert(max >= min, `intBetween needs min <= max, got ${min} > ${max}`);
    return min + this.int(max - min + 1);
  }

  chance(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.next() < probability;
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick() from an empty list');
    return items[this.int(items.length)]!;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

/** The stream for (seed, node, subsystem). Same triple, same sequence, on every run and machine. */
export function randomStream(seed: number, node: string, subsystem: string): RandomStream {
  assert(Number.isSafeInteger(seed), `seed must be a safe integer, got ${seed}`);
  const key = (BigInt(hashString53(`${node}\u0000${subsystem}`)) << 11n) ^ BigInt(seed);
  return new Sfc32Stream(key);
}
