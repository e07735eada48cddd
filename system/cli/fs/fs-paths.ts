import { FlyerError, isFlyerError } from '../../env/errors.ts';

/**
 * How `flyer fs` names files. Commands that only touch Flyer (ls, stat, cat, mkdir, rm, rmdir, mv) take
 * Flyer paths: `/a/b`, `a/b` (relative to the root: a client has no working directory) or `flyer:/a/b`.
 * `cp` copies between the two worlds, so there the prefix decides: `flyer:/a/b` is a Flyer path,
 * anything else a local one.
 */
export const FLYER_PREFIX = 'flyer:';

export type CopyEndpoint = { readonly kind: 'flyer'; readonly path: string } | { readonly kind: 'local'; readonly path: string };

/** A Flyer path in the absolute form the metadata service takes. */
export function flyerPath(text: string | undefined, what: string): string {
  const raw = required(text, what);
  const path = raw.startsWith(FLYER_PREFIX) ? raw.slice(FLYER_PREFIX.length) : raw;
  if (path.length === 0) throw new FlyerError('INVALID_ARGUMENT', `${what}: '${raw}' names no path`);
  return path.startsWith('/') ? path : `/${path}`;
}

/** A cp operand: Flyer with the prefix, local without. */
export function copyEndpoint(text: string | undefined, what: string): CopyEndpoint {
  const raw = required(text, what);
  return raw.startsWith(FLYER_PREFIX) ? { kind: 'flyer', path: flyerPath(raw, what) } : { kind: 'local', path: raw };
}

/** The last component of a path ('' for the root). */
export function baseName(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return parts.at(-1) ?? '';
}

/** `dir/name` for Flyer paths. */
export function joinFlyer(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Missing operands are coded errors like every other bad input (commander's would not be). */
export function required(text: string | undefined, what: string): string {
  if (text === undefined || text.length === 0) throw new FlyerError('INVALID_ARGUMENT', `missing ${what}`);
  return text;
}

/**
 * Runs a call on `path` and puts the path into a coded error that does not name it yet: meta reports
 * "'x' in directory 4096", which says less than the path the user typed.
 */
export async function naming<T>(path: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!isFlyerError(error) || error.detail.includes(path)) throw error;
    throw new FlyerError(error.code, `${path}: ${error.detail}`, { cause: error });
  }
}
