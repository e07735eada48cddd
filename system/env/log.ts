/**
 * Structured logs stamped with Env time (virtual time in simulation), so a simulated run's log reads
 * like a real one and replays identically.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly timeNs: number;
  readonly node: string;
  readonly level: LogLevel;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogSink = (entry: LogEntry) => void;

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class StructuredLogger implements Logger {
  constructor(
    private readonly node: string,
    private readonly nowNs: () => number,
    private readonly sink: LogSink,
    private readonly minLevel: LogLevel = 'info',
  ) {}

  debug(message: string, fields?: Record<string, unknown>): void {
    this.#emit('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.#emit('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.#emit('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.#emit('error', message, fields);
  }

  #emit(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (levelRank[level] < levelRank[this.minLevel]) return;
    this.sink({ timeNs: this.nowNs(), node: this.node, level, message, ...(fields ? { fields } : {}) });
  }
}

/** Formats an entry as one JSON line (real mode writes these to stderr). */
export function formatLogLine(entry: LogEntry): string {
  return JSON.stringify({ t: entry.timeNs, node: entry.node, level: entry.level, msg: entry.message, ...entry.fields });
}

/** Keeps the last `capacity` entries in memory (simulation: printed for a failing seed). */
export class RingLogSink {
  readonly #entries: LogEntry[] = [];
  #next = 0;
  constructor(private readonly capacity = 10_000) {}
  readonly sink: LogSink = (entry) => {
    if (this.#entries.length < this.capacity) this.#entries.push(entry);
    else this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
  };
  entries(): LogEntry[] {
    if (this.#entries.length < this.capacity) return [...this.#entries];
    return [...this.#entries.slice(this.#next), ...this.#entries.slice(0, this.#next)];
  }
}
