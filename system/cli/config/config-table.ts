import { FlyerError } from '../../env/errors.ts';
import { parseAddress } from '../address.ts';

/**
 * Typed reads of one TOML table that name the offending field in every error (`config: storage.forward.
 * backoff_ms must be ...`), and that catch typos: {@link ConfigTable.rejectUnknown} fails on any key
 * nobody read, so `heartbeat_fail = 5` (missing `_ms`) is an error instead of a silently ignored line.
 */
export class ConfigTable {
  readonly #read = new Set<string>();

  constructor(readonly name: string, readonly values: Readonly<Record<string, unknown>>) {}

  /** The sub-table `key`; an empty one when absent and `optional`. */
  table(key: string, options: { optional?: boolean } = {}): ConfigTable {
    this.#read.add(key);
    const value = this.values[key];
    const name = this.#field(key);
    if (value === undefined && options.optional !== false) return new ConfigTable(name, {});
    if (typeof value !== 'object' || value === null || Array.isArray(value)) configError(`needs a [${name}] table`);
    return new ConfigTable(name, value as Record<string, unknown>);
  }

  /** An array of tables (`[[storage.targets]]`), each as a ConfigTable. */
  tables(key: string): ConfigTable[] {
    return this.array(key).map((entry, i) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) configError(`${this.#field(key)}[${i}] must be a table`);
      return new ConfigTable(`${this.#field(key)}[${i}]`, entry as Record<string, unknown>);
    });
  }

  array(key: string): unknown[] {
    this.#read.add(key);
    const value = this.values[key] ?? [];
    if (!Array.isArray(value)) configError(`${this.#field(key)} must be an array`);
    return value as unknown[];
  }

  string(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined) configError(`${this.#field(key)} must be a non-empty string`);
    return value;
  }

  optionalString(key: string): string | undefined {
    this.#read.add(key);
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0) configError(`${this.#field(key)} must be a non-empty string`);
    return value;
  }

  /** One of `choices`, or undefined when absent. */
  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.optionalString(key);
    if (value !== undefined && !choices.includes(value as T)) configError(`${this.#field(key)} must be one of ${choices.join(', ')}, got '${value}'`);
    return value as T | undefined;
  }

  integer(key: string, range: { min?: number; max?: number } = {}): number | undefined {
    this.#read.add(key);
    const value = this.values[key];
    if (value === undefined) return undefined;
    const min = range.min ?? 0;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      configError(`${this.#field(key)} must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
    }
    return value as number;
  }

  number(key: string, range: { above: number; atMost: number }): number | undefined {
    this.#read.add(key);
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !(value > range.above && value <= range.atMost)) {
      configError(`${this.#field(key)} must be a number in (${range.above}, ${range.atMost}], got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** A duration given in milliseconds (the `_ms` keys), returned in nanoseconds as services take it. */
  durationMs(key: string, options: { zeroOk?: boolean } = {}): number | undefined {
    const ms = this.integer(key, { min: options.zeroOk ? 0 : 1 });
    return ms === undefined ? undefined : ms * 1_000_000;
  }

  boolean(key: string): boolean | undefined {
    this.#read.add(key);
    const value = this.values[key];
    if (value !== undefined && typeof value !== 'boolean') configError(`${this.#field(key)} must be true or false`);
    return value as boolean | undefined;
  }

  /** `host:port`; port 0 lets the OS pick one (the ready line reports it). */
  address(key: string): { host: string; port: number } {
    return addressOf(this.string(key), this.#field(key));
  }

  /** `["id=host:port", ...]` */
  peers(key: string): Array<{ id: string; host: string; port: number }> {
    return this.array(key).map((entry, i) => {
      const name = `${this.#field(key)}[${i}]`;
      if (typeof entry !== 'string') configError(`${name} must be "id=host:port"`);
      const at = entry.indexOf('=');
      if (at <= 0) configError(`${name} must be "id=host:port", got '${entry}'`);
      return { id: entry.slice(0, at), ...addressOf(entry.slice(at + 1), name) };
    });
  }

  /** Fails on the first key no reader asked for. */
  rejectUnknown(): void {
    const unknown = Object.keys(this.values).filter((key) => !this.#read.has(key));
    if (unknown.length > 0) configError(`unknown key ${unknown.map((k) => this.#field(k)).join(', ')}`);
  }

  #field(key: string): string {
    return this.name ? `${this.name}.${key}` : key;
  }
}

function addressOf(text: string, field: string): { host: string; port: number } {
  try {
    return parseAddress(text);
  } catch {
    return configError(`${field} must be host:port with a port in 0..65535, got '${text}'`);
  }
}

export function configError(message: string): never {
  throw new FlyerError('INVALID_ARGUMENT', `config: ${message}`);
}
