/**
 * A rolling 64-bit hash (two 32-bit lanes) over the event trace: every event's time, kind and node,
 * plus what services choose to mix in (message sizes, digests). Two runs of one seed must end with the
 * same fingerprint; the first differing value pinpoints non-determinism.
 */
export class TraceFingerprint {
  #low = 0x811c9dc5;
  #high = 0x01000193;
  #count = 0;

  mix(value: number): void {
    const lowWord = value >>> 0;
    const highWord = Math.floor(value / 4294967296) >>> 0;
    this.#low = Math.imul(this.#low ^ lowWord, 0x01000193);
    this.#low = Math.imul(this.#low ^ highWord, 0x01000193);
    this.#high = Math.imul(this.#high ^ (this.#low >>> 7), 0x5bd1e995);
    this.#high ^= this.#high >>> 15;
    this.#count++;
  }

  mix3(a: number, b: number, c: number): void {
    this.mix(a);
    this.mix(b);
    this.mix(c);
  }

  /** 16 hex digits. */
  hex(): string {
    return (this.#high >>> 0).toString(16).padStart(8, '0') + (this.#low >>> 0).toString(16).padStart(8, '0');
  }

  get mixedValues(): number {
    return this.#count;
  }
}
