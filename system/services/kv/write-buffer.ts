import { fromKeyString } from '../../env/kv-memory.ts';

/**
 * A remote transaction's buffered writes, kept on the client until commit (read-your-writes answers
 * come from here, with no round trip). Keys are binary strings, one char per byte (toKeyString), whose
 * string order is unsigned byte order. Same rules as MemoryKv's transaction buffer: a range clear drops
 * the buffered writes it covers, writes after it land on top, and at commit clears apply first.
 */
type Value = Uint8Array | null; // null = cleared
type Range = readonly [begin: string, end: string];

export class WriteBuffer {
  readonly #writes = new Map<string, Value>();
  readonly #clears: Range[] = [];

  get empty(): boolean {
    return this.#writes.size === 0 && this.#clears.length === 0;
  }

  set(key: string, value: Uint8Array): void {
    this.#writes.set(key, value);
  }

  clear(key: string): void {
    this.#writes.set(key, null);
  }

  clearRange(begin: string, end: string): void {
    for (const key of [...this.#writes.keys()]) if (key >= begin && key < end) this.#writes.delete(key);
    this.#clears.push([begin, end]);
  }

  /** The buffered state of `key`: a value, null when cleared here, undefined when untouched. */
  local(key: string): Value | undefined {
    const written = this.#writes.get(key);
    if (written !== undefined) return written;
    return this.#clears.some(([b, e]) => key >= b && key < e) ? null : undefined;
  }

  /** Buffered keys with a value in [begin, end), in order (reversed when asked). */
  valuesIn(begin: string, end: string, reverse: boolean): Array<readonly [string, Uint8Array]> {
    const out: Array<readonly [string, Uint8Array]> = [];
    for (const [key, value] of this.#writes) if (value !== null && key >= begin && key < end) out.push([key, value]);
    out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return reverse ? out.reverse() : out;
  }

  /** The commit's clears and writes as bytes. */
  toWire(): { clears: Array<[Uint8Array, Uint8Array]>; writes: Array<[Uint8Array, Uint8Array | null]> } {
    return {
      clears: this.#clears.map(([b, e]) => [fromKeyString(b), fromKeyString(e)]),
      writes: [...this.#writes].map(([k, v]) => [fromKeyString(k), v]),
    };
  }
}
