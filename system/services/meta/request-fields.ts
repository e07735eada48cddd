import { FlyerError } from '../../env/errors.ts';

/** Optional flags of meta requests; each changes what an operation does. */
const BOOLEAN_FIELDS = ['recursive', 'exclusive', 'followLast', 'updateLength', 'truncate'] as const;
const EXPECT_VALUES: ReadonlySet<unknown> = new Set(['directory', 'file']);

/**
 * Refuses, at the RPC boundary, optional fields that JavaScript would otherwise coerce: a request off the
 * wire is untyped, and `recursive: 'false'` is truthy (rm -r), `expect: 'dir'` would silently mean
 * "either". Paths, names and numbers are checked by the operations themselves.
 */
export function checkRequestFlags(request: Readonly<Record<string, unknown>>): void {
  for (const field of BOOLEAN_FIELDS) {
    const value = request[field];
    if (value !== undefined && typeof value !== 'boolean') throw new FlyerError('INVALID_ARGUMENT', `${field} must be a boolean, got ${typeof value}`);
  }
  if (request.expect !== undefined && !EXPECT_VALUES.has(request.expect)) {
    throw new FlyerError('INVALID_ARGUMENT', `expect must be 'directory' or 'file', got ${String(request.expect).slice(0, 32)}`);
  }
}
