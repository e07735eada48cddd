import { FlyerError } from '../../env/errors.ts';

/**
 * Reads workload parameters from the spec's [workload] table merged with `--param key=value` overrides
 * (strings), with defaults; every unknown key is an error so a typo never runs the wrong experiment.
 */
export class ParamReader {
  readonly #used = new Set<string>();

  constructor(private readonly workload: string, private readonly raw: Readonly<Record<string, unknown>>) {}

  number(key: string, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
    this.#used.add(key);
    const value = this.raw[key];
    if (value === undefined) return fallback;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(parsed) || (range.integer && !Number.isSafeInteger(parsed))
      || (range.min !== undefined && parsed < range.min) || (range.max !== undefined && parsed > range.max)) {
      throw new FlyerError('INVALID_ARGUMENT', `${this.workload}: parameter ${key} = ${String(value)} must be ${range.integer ? 'an integer' : 'a number'}${range.min !== undefined ? ` >= ${range.min}` : ''}${range.max !== undefined ? ` <= ${range.max}` : ''}`);
    }
    return parsed;
  }

  integer(key: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    return this.number(key, fallback, { ...range, integer: true });
  }

  boolean(key: string, fallback: boolean): boolean {
    this.#used.add(key);
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (value === true || value === 'true' || value === '1' || value === 'on') return true;
    if (value === false || value === 'false' || value === '0' || value === 'off') return false;
    throw new FlyerError('INVALID_ARGUMENT', `${this.workload}: parameter ${key} = ${String(value)} must be true or false`);
  }

  string(key: string, fallback: string): string {
    this.#used.add(key);
    const value = this.raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' && typeof value !== 'number') throw new FlyerError('INVALID_ARGUMENT', `${this.workload}: parameter ${key} must be a string`);
    return String(value);
  }

  /** Call after reading every key. */
  done(): void {
    const unknown = Object.keys(this.raw).filter((key) => !this.#used.has(key));
    if (unknown.length > 0) throw new FlyerError('INVALID_ARGUMENT', `${this.workload}: unknown parameter(s) ${unknown.join(', ')}`);
  }
}
