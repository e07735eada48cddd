/**
 * Progress of a long wait, on stderr so stdout stays clean for results. On a terminal one line is
 * rewritten in place; elsewhere (logs, tests) a line is printed when the text changes, at most every
 * `minIntervalMs`, so a 60 s wait does not print 600 lines.
 */
export class Progress {
  readonly #tty: boolean;
  readonly #minIntervalMs: number;
  readonly #write: (text: string) => void;
  #last = '';
  #lastAtMs = 0;
  #open = false;

  constructor(options: { tty?: boolean; minIntervalMs?: number; write?: (text: string) => void } = {}) {
    this.#tty = options.tty ?? process.stderr.isTTY === true;
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
    this.#write = options.write ?? ((text) => void process.stderr.write(text));
  }

  /** The current state of the wait (replaces the previous one on a terminal). */
  update(text: string): void {
    const nowMs = performance.now();
    if (this.#tty) {
      this.#write(`\r\x1b[K${text}`);
      this.#open = true;
    } else if (text !== this.#last && nowMs - this.#lastAtMs >= this.#minIntervalMs) {
      this.#write(`${text}\n`);
      this.#lastAtMs = nowMs;
    }
    this.#last = text;
  }

  /** A line that stays (a step finished). */
  line(text: string): void {
    if (this.#open) this.#write('\r\x1b[K');
    this.#open = false;
    this.#write(`${text}\n`);
    this.#last = '';
    this.#lastAtMs = 0;
  }
}
