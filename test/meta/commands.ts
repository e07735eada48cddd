import fc from 'fast-check';
import { isFlyerError } from '../../system/env/errors.ts';
import type { Inode } from '../../system/services/meta/types.ts';
import { inodeView } from './kv-state.ts';
import type { InodeView, ListedEntry, RefCaller, ReferenceFs } from './reference-fs.ts';

/**
 * Namespace commands as plain data (so fast-check can shrink them), one runner per side: the reference
 * model and any "service" that takes the same calls (direct MetaContext ops or a MetaClient).
 */
export type Command =
  | { readonly op: 'mkdir'; readonly client: number; readonly path: string; readonly recursive: boolean }
  | { readonly op: 'create'; readonly client: number; readonly path: string; readonly exclusive: boolean }
  | { readonly op: 'symlink'; readonly client: number; readonly path: string; readonly target: string }
  | { readonly op: 'link'; readonly client: number; readonly oldPath: string; readonly newPath: string }
  | { readonly op: 'unlink' | 'rmdir' | 'rm' | 'rmr'; readonly client: number; readonly path: string }
  | { readonly op: 'rename'; readonly client: number; readonly src: string; readonly dst: string }
  | { readonly op: 'stat'; readonly client: number; readonly path: string; readonly follow: boolean }
  | { readonly op: 'list' | 'realpath'; readonly client: number; readonly path: string }
  | { readonly op: 'truncate'; readonly client: number; readonly path: string; readonly lengthBytes: number }
  | { readonly op: 'setattr'; readonly client: number; readonly path: string; readonly perm: number; readonly follow: boolean };

export type OutcomeValue = null | string | InodeView | readonly ListedEntry[];

/** What one command returned, with nothing that depends on which side ran it except inode ids. */
export type Outcome =
  | { readonly ok: true; readonly value: OutcomeValue }
  | { readonly ok: false; readonly code: string };

/** The calls a command needs; MetaClient has these shapes, and direct ops are wrapped to match. */
export interface NamespaceApi {
  mkdirs(path: string, options: { recursive?: boolean }): Promise<Inode>;
  create(path: string, options: { exclusive?: boolean }): Promise<Inode>;
  symlink(path: string, target: string): Promise<Inode>;
  hardLink(oldPath: string, newPath: string): Promise<Inode>;
  remove(path: string, options: { recursive?: boolean; expect?: 'directory' | 'file' }): Promise<void>;
  rename(srcPath: string, dstPath: string): Promise<void>;
  stat(path: string, followLast: boolean): Promise<Inode>;
  listAll(path: string): Promise<ReadonlyArray<{ readonly name: string; readonly type: string }>>;
  realPath(path: string): Promise<string>;
  truncate(path: string, lengthBytes: number): Promise<Inode>;
  setAttr(path: string, attrs: { perm: number; followLast: boolean }): Promise<Inode>;
}

const REMOVE_OPTIONS = {
  unlink: { expect: 'file' },
  rmdir: { expect: 'directory' },
  rm: {},
  rmr: { recursive: true },
} as const;

export async function runOnService(api: NamespaceApi, command: Command): Promise<Outcome> {
  try {
    return { ok: true, value: await serviceCall(api, command) };
  } catch (error) {
    if (!isFlyerError(error)) throw error;
    return { ok: false, code: error.code };
  }
}

async function serviceCall(api: NamespaceApi, c: Command): Promise<OutcomeValue> {
  switch (c.op) {
    case 'mkdir': return inodeView(await api.mkdirs(c.path, { recursive: c.recursive }));
    case 'create': return inodeView(await api.create(c.path, { exclusive: c.exclusive }));
    case 'symlink': return inodeView(await api.symlink(c.path, c.target));
    case 'link': return inodeView(await api.hardLink(c.oldPath, c.newPath));
    case 'unlink': case 'rmdir': case 'rm': case 'rmr':
      await api.remove(c.path, REMOVE_OPTIONS[c.op]);
      return null;
    case 'rename':
      await api.rename(c.src, c.dst);
      return null;
    case 'stat': return inodeView(await api.stat(c.path, c.follow));
    case 'list': return (await api.listAll(c.path)).map((e) => ({ name: e.name, type: e.type as ListedEntry['type'] }));
    case 'realpath': return api.realPath(c.path);
    case 'truncate': return inodeView(await api.truncate(c.path, c.lengthBytes));
    case 'setattr': return inodeView(await api.setAttr(c.path, { perm: c.perm, followLast: c.follow }));
  }
}

export function runOnModel(model: ReferenceFs, caller: RefCaller, command: Command): Outcome {
  try {
    return { ok: true, value: modelCall(model, caller, command) };
  } catch (error) {
    if (!isFlyerError(error)) throw error;
    return { ok: false, code: error.code };
  }
}

function modelCall(model: ReferenceFs, caller: RefCaller, c: Command): OutcomeValue {
  switch (c.op) {
    case 'mkdir': return model.mkdirs(caller, c.path, { recursive: c.recursive });
    case 'create': return model.create(caller, c.path, { exclusive: c.exclusive });
    case 'symlink': return model.symlink(caller, c.path, c.target);
    case 'link': return model.hardLink(c.oldPath, c.newPath);
    case 'unlink': case 'rmdir': case 'rm': case 'rmr':
      model.remove(c.path, REMOVE_OPTIONS[c.op]);
      return null;
    case 'rename':
      model.rename(c.src, c.dst);
      return null;
    case 'stat': return model.stat(c.path, c.follow);
    case 'list': return model.list(c.path);
    case 'realpath': return model.realPath(c.path);
    case 'truncate': return model.truncate(c.path, c.lengthBytes);
    case 'setattr': return model.setAttr(c.path, { perm: c.perm, followLast: c.follow });
  }
}

/** A bijection between service inode ids and model ids, learnt as results come in. */
export class IdMap {
  constructor(readonly serviceToModel = new Map<number, number>(), readonly modelToService = new Map<number, number>()) {}

  clone(): IdMap {
    return new IdMap(new Map(this.serviceToModel), new Map(this.modelToService));
  }

  /** Records or checks that service id `s` is model id `m`; false if either is already paired otherwise. */
  pair(s: number, m: number): boolean {
    const known = this.serviceToModel.get(s);
    const knownBack = this.modelToService.get(m);
    if (known === undefined && knownBack === undefined) {
      this.serviceToModel.set(s, m);
      this.modelToService.set(m, s);
      return true;
    }
    return known === m && knownBack === s;
  }
}

export interface CompareOptions {
  /** Compare nlink of files and symlinks (off where GC runs in the background and lags behind). */
  readonly nlink: boolean;
}

/** Undefined when the service's outcome is what the model expected, else what differs. */
export function compareOutcome(command: Command, expected: Outcome, actual: Outcome, ids: IdMap, options: CompareOptions): string | undefined {
  const show = (o: Outcome): string => JSON.stringify(o);
  if (expected.ok !== actual.ok) return `expected ${show(expected)}, service gave ${show(actual)}`;
  if (!expected.ok || !actual.ok) return expected.ok || actual.ok || expected.code === actual.code ? undefined : `expected ${expected.code}, service gave ${actual.code}`;
  const e = expected.value;
  const a = actual.value;
  if (e === null || typeof e === 'string' || Array.isArray(e)) return JSON.stringify(e) === JSON.stringify(a) ? undefined : `expected ${show(expected)}, service gave ${show(actual)}`;
  const ev = e as InodeView;
  const av = a as InodeView;
  if (!ids.pair(av.id, ev.id)) return `inode identity: service ${av.id} is not model ${ev.id}`;
  // truncate's reply is read when it commits, after the path was resolved: a concurrent unlink may show in its nlink.
  const nlink = options.nlink && command.op !== 'truncate' && ev.type !== 'directory';
  const fields: Array<keyof InodeView> = ['type', 'perm', 'uid', 'gid', 'lengthBytes', 'target', ...(nlink || ev.type === 'directory' ? ['nlink' as const] : [])];
  for (const field of fields) if (ev[field] !== av[field]) return `${field}: expected ${String(ev[field])}, service gave ${String(av[field])} (${show(actual)})`;
  return undefined;
}

// ---- generators: a tiny alphabet, so that names collide and trees are shallow ----

const NAMES = ['a', 'b', 'c'] as const;
const nameArb = fc.constantFrom(...NAMES);
const componentArb = fc.oneof({ weight: 15, arbitrary: nameArb }, { weight: 1, arbitrary: fc.constant('..') });
/** Mostly short paths, so that parents exist often enough for operations to succeed. */
const depthArb = fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 4, arbitrary: fc.constant(2) }, { weight: 2, arbitrary: fc.constant(3) });

/**
 * Absolute paths of 1-3 components, sometimes with '..'; `prefix` confines them to a subtree. Some are
 * references ('@7', '@7/b'): the 8th existing path (modulo their number) when the command runs, or a
 * name in it, so that links, renames and removes meet existing entries often.
 */
export function pathArb(prefix = '', dotdot = true): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: literalPathArb(prefix, dotdot) }, { weight: 1, arbitrary: existingArb }, { weight: 1, arbitrary: inExistingArb });
}

function literalPathArb(prefix: string, dotdot: boolean): fc.Arbitrary<string> {
  const component = dotdot ? componentArb : nameArb;
  return depthArb.chain((depth) => fc.array(component, { minLength: depth, maxLength: depth })).map((parts) => `${prefix}/${parts.join('/')}`);
}

/** An existing path when the command runs. */
const existingArb = fc.nat(63).map((n) => `@${n}`);
/** A name inside an existing path (free or not). */
const inExistingArb = fc.tuple(fc.nat(63), nameArb).map(([n, name]) => `@${n}/${name}`);

/** Replaces path references ('@N', '@N/name') by existing paths; `existing` is never empty (the root at least). */
export function concretize(command: Command, existing: readonly string[]): Command {
  const fix = (path: string): string => {
    const match = /^@(\d+)(?:\/(.*))?$/.exec(path);
    if (!match) return path;
    const base = existing[Number(match[1]) % existing.length]!;
    if (match[2] === undefined) return base;
    return base === '/' ? `/${match[2]}` : `${base}/${match[2]}`;
  };
  const fixed: Record<string, unknown> = { ...command };
  for (const field of ['path', 'oldPath', 'newPath', 'src', 'dst', 'target'] as const) {
    if (typeof fixed[field] === 'string') fixed[field] = fix(fixed[field]);
  }
  return fixed as Command;
}

/** Commands that populate a tree: mkdir -p and create, without '..'. */
export function populateArb(options: CommandArbOptions): fc.Arbitrary<Command> {
  const client = fc.constantFrom(...options.clients);
  const path = fc.array(nameArb, { minLength: 1, maxLength: 3 }).map((parts) => `${options.prefix ?? ''}/${parts.join('/')}`);
  return fc.oneof(
    fc.record({ op: fc.constant('mkdir' as const), client, path, recursive: fc.constant(true) }),
    fc.record({ op: fc.constant('create' as const), client, path, exclusive: fc.constant(false) }),
  );
}

function targetArb(prefix: string, dotdot: boolean): fc.Arbitrary<string> {
  const relative = fc.array(dotdot ? componentArb : nameArb, { minLength: 1, maxLength: 2 }).map((parts) => parts.join('/'));
  return fc.oneof(pathArb(prefix, dotdot), relative, ...(dotdot ? [fc.constantFrom('.', '..', '/')] : []));
}

export interface CommandArbOptions {
  readonly clients: readonly number[];
  /** Paths and absolute link targets start with this (a per-client subtree in simulation). */
  readonly prefix?: string;
  /** Paths and link targets may use '..' (off when a subtree must not be escaped). */
  readonly dotdot?: boolean;
}

export function commandArb(options: CommandArbOptions): fc.Arbitrary<Command> {
  const prefix = options.prefix ?? '';
  const dotdot = options.dotdot ?? true;
  const client = fc.constantFrom(...options.clients);
  const path = pathArb(prefix, dotdot);
  // Sources of links, renames and removes are often existing entries, destinations often new names.
  const source = fc.oneof({ weight: 2, arbitrary: existingArb }, { weight: 1, arbitrary: path });
  const destination = fc.oneof({ weight: 2, arbitrary: inExistingArb }, { weight: 1, arbitrary: path });
  const arb = <T>(weight: number, a: fc.Arbitrary<T>) => ({ weight, arbitrary: a });
  return fc.oneof(
    arb(4, fc.record({ op: fc.constant('mkdir' as const), client, path, recursive: fc.boolean() })),
    arb(7, fc.record({ op: fc.constant('create' as const), client, path, exclusive: fc.boolean() })),
    arb(3, fc.record({ op: fc.constant('symlink' as const), client, path, target: targetArb(prefix, dotdot) })),
    arb(2, fc.record({ op: fc.constant('link' as const), client, oldPath: source, newPath: destination })),
    arb(3, fc.record({ op: fc.constantFrom('unlink' as const, 'rmdir' as const, 'rm' as const, 'rmr' as const), client, path: source })),
    arb(4, fc.record({ op: fc.constant('rename' as const), client, src: source, dst: fc.oneof(destination, source) })),
    arb(3, fc.record({ op: fc.constant('stat' as const), client, path: source, follow: fc.boolean() })),
    arb(2, fc.record({ op: fc.constantFrom('list' as const, 'realpath' as const), client, path: fc.oneof(path, fc.constant(prefix || '/')) })),
    arb(2, fc.record({ op: fc.constant('truncate' as const), client, path: source, lengthBytes: fc.constantFrom(0, 1, 4096, 5 << 20) })),
    arb(1, fc.record({ op: fc.constant('setattr' as const), client, path: source, perm: fc.constantFrom(0o600, 0o755, 0o4711), follow: fc.boolean() })),
  );
}
