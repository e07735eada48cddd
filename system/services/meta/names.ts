import { FlyerError } from '../../env/errors.ts';
import { MAX_NAME_BYTES, MAX_PATH_BYTES } from './types.ts';

const encoder = new TextEncoder();

/**
 * Whether `text` is over `limitBytes` in UTF-8. A UTF-16 code unit is at most 3 UTF-8 bytes, so short
 * text needs no encoding: every path of every operation passes here, and encoding showed in profiles.
 */
function overBytes(text: string, limitBytes: number): boolean {
  return text.length * 3 > limitBytes && encoder.encode(text).length > limitBytes;
}

/**
 * A directory entry name must be a real name: not empty, not '.' or '..', no '/' or NUL, at most 255
 * UTF-8 bytes (POSIX NAME_MAX). Checked before any transaction, so bad input changes nothing.
 */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new FlyerError('META_INVALID_NAME', 'empty name');
  if (name === '.' || name === '..') throw new FlyerError('META_INVALID_NAME', `'${name}' cannot be created or removed`);
  if (name.includes('/')) throw new FlyerError('META_INVALID_NAME', `name '${name}' contains '/'`);
  if (name.includes('\u0000')) throw new FlyerError('META_INVALID_NAME', 'name contains NUL');
  if (overBytes(name, MAX_NAME_BYTES)) {
    throw new FlyerError('META_NAME_TOO_LONG', `name of ${encoder.encode(name).length} bytes (at most ${MAX_NAME_BYTES})`);
  }
  return name;
}

/**
 * Splits an absolute path into its components, dropping empty ones and '.' (so '/a//b/.' is a, b);
 * '..' stays, the resolver walks up. Relative paths are refused: the API has no working directory.
 */
export function splitPath(path: unknown): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new FlyerError('META_INVALID_NAME', 'empty path');
  if (!path.startsWith('/')) throw new FlyerError('META_INVALID_NAME', `path '${path}' is not absolute`);
  if (path.includes('\u0000')) throw new FlyerError('META_INVALID_NAME', 'path contains NUL');
  if (overBytes(path, MAX_PATH_BYTES)) throw new FlyerError('META_NAME_TOO_LONG', `path over ${MAX_PATH_BYTES} bytes`);
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  for (const part of parts) {
    if (part !== '..' && overBytes(part, MAX_NAME_BYTES)) {
      throw new FlyerError('META_NAME_TOO_LONG', `component of ${encoder.encode(part).length} bytes (at most ${MAX_NAME_BYTES})`);
    }
  }
  return parts;
}

/**
 * For operations that create or remove the last component: the parent's components and a checked
 * last name. '/' itself and paths ending in '..' have no such name.
 */
export function splitParent(path: unknown): { readonly parentParts: string[]; readonly name: string } {
  const parts = splitPath(path);
  refuseDotLast(path as string);
  const name = parts.pop();
  if (name === undefined) throw new FlyerError('META_INVALID_NAME', 'the root has no name');
  return { parentParts: parts, name: checkName(name) };
}

/**
 * A path whose last written component is '.' or '..' names an existing directory, never a new or removable
 * entry (POSIX: mkdir EEXIST, rmdir EINVAL). splitPath drops '.', so without this '/a/.' would act on 'a'.
 */
export function refuseDotLast(path: string): void {
  const trimmed = path.replace(/\/+$/, '');
  const last = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  if (last === '.' || last === '..') throw new FlyerError('META_INVALID_NAME', `'${path}' ends in '${last}', which cannot be created or removed`);
}

/** A symlink target: any non-empty path without NUL, at most PATH_MAX bytes (a byte limit, like every name limit here). */
export function checkLinkTarget(target: unknown): string {
  if (typeof target !== 'string' || target.length === 0 || target.includes('\u0000') || overBytes(target, MAX_PATH_BYTES)) {
    throw new FlyerError('META_INVALID_NAME', 'bad symlink target');
  }
  return target;
}
