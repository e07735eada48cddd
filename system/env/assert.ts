import { FlyerError } from './errors.ts';

/**
 * Assertions stay on in simulation and in production (TigerStyle): an invariant that does not hold
 * means the program's understanding of its state is wrong, and continuing would spread the damage.
 */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new FlyerError('ASSERTION', message);
}

export function assertInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) throw new FlyerError('ASSERTION', `${name} must be a safe integer, got ${value}`);
}

export function assertNonNegativeInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new FlyerError('ASSERTION', `${name} must be a non-negative safe integer, got ${value}`);
  }
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new FlyerError('ASSERTION', `${message}: ${JSON.stringify(value)}`);
}
