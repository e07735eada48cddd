import { FlyerError, type ErrorCode } from '../../system/env/errors.ts';

/**
 * A reference file system for model-based tests of the metadata service: a tree of maps in memory, with
 * the service's operations and error codes and POSIX semantics. It shares no code with the service, so
 * the two can only agree by both being right.
 *
 * Where it follows a deliberate 3FS-like choice rather than plain POSIX, it says so:
 * - a directory's nlink is 1 (3FS does not count subdirectories);
 * - rm -r detaches the directory in O(1) and GC empties it later, so a file hard-linked from inside a
 *   removed tree keeps that link (and its nlink) until gc() runs;
 * - names and paths are checked before anything is looked up (invalid name beats ENOENT);
 * - at most 10 symlinks are followed per resolution (3FS; Linux allows 40);
 * - hard-linking a directory is META_IS_DIRECTORY (POSIX says EPERM, which has no code here);
 * - times are not modelled.
 */
export const REF_ROOT_ID = 0;
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 4096;
const MAX_LINKS_PER_RESOLUTION = 10;
const MAX_NLINK = 0xffff;

export type RefType = 'file' | 'directory' | 'symlink';

/** What a stat-like result says, ids in the model's own numbering. */
export interface InodeView {
  readonly id: number;
  readonly type: RefType;
  readonly nlink: number;
  readonly perm: number;
  readonly uid: number;
  readonly gid: number;
  readonly lengthBytes?: number;
  readonly target?: string;
}

export interface RefCaller {
  readonly uid: number;
  readonly gid: number;
}

export interface ListedEntry {
  readonly name: string;
  readonly type: RefType;
}

interface NodeBase {
  readonly id: number;
  nlink: number;
  perm: number;
  uid: number;
  gid: number;
}
interface RefFile extends NodeBase { readonly type: 'file'; lengthBytes: number }
interface RefDir extends NodeBase { readonly type: 'directory'; parent: number; name: string; readonly entries: Map<string, number> }
interface RefLink extends NodeBase { readonly type: 'symlink'; readonly target: string }
type RefNode = RefFile | RefDir | RefLink;

interface RefState {
  readonly nodes: Map<number, RefNode>;
  nextId: number;
  /** Directories removed by rm -r whose contents GC has not unlinked yet. */
  readonly pendingGc: number[];
}

interface Found { readonly node: RefNode; readonly dir?: RefDir; readonly name?: string }
interface Missing { readonly node: undefined; readonly dir: RefDir; readonly name: string }

const utf8 = new TextEncoder();

function fail(code: ErrorCode, detail = ''): never {
  throw new FlyerError(code, `(reference) ${detail}`);
}

/** The path's components: absolute, no NUL, PATH_MAX and NAME_MAX in bytes; '' and '.' dropped. */
export function refSplitPath(path: unknown): string[] {
  if (typeof path !== 'string' || path === '') fail('META_INVALID_NAME', 'empty path');
  if (path[0] !== '/') fail('META_INVALID_NAME', 'relative path');
  if (path.includes('\0')) fail('META_INVALID_NAME', 'NUL in path');
  if (utf8.encode(path).length > MAX_PATH_BYTES) fail('META_NAME_TOO_LONG', 'path');
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  for (const part of parts) if (utf8.encode(part).length > MAX_NAME_BYTES) fail('META_NAME_TOO_LONG', part);
  return parts;
}

function refuseDotLast(path: string): void {
  const written = path.split('/').filter((part) => part !== '');
  const last = written[written.length - 1];
  if (last === '.' || last === '..') fail('META_INVALID_NAME', `ends in ${last}`);
}

function checkNewName(name: string): string {
  if (utf8.encode(name).length > MAX_NAME_BYTES) fail('META_NAME_TOO_LONG', name);
  return name;
}

/** Parent components and the last name of a path that creates or removes an entry. */
function splitParent(path: unknown): { parentParts: string[]; name: string } {
  const parts = refSplitPath(path);
  refuseDotLast(path as string);
  const name = parts.pop();
  if (name === undefined) fail('META_INVALID_NAME', 'the root');
  return { parentParts: parts, name };
}

export class ReferenceFs {
  #s: RefState;

  constructor(state?: RefState) {
    this.#s = state ?? {
      nodes: new Map([[REF_ROOT_ID, { id: REF_ROOT_ID, type: 'directory', nlink: 1, perm: 0o755, uid: 0, gid: 0, parent: REF_ROOT_ID, name: '', entries: new Map() }]]),
      nextId: 1,
      pendingGc: [],
    };
  }

  clone(): ReferenceFs {
    return new ReferenceFs(structuredClone(this.#s));
  }

  // ---- namespace changes ----

  mkdirs(caller: RefCaller, path: string, options: { recursive?: boolean; perm?: number } = {}): InodeView {
    const parts = refSplitPath(path);
    refuseDotLast(path);
    if (parts.length === 0) {
      if (options.recursive) return view(this.#root());
      fail('META_EXISTS', '/');
    }
    return this.#atomically(() => {
      let dir = this.#root();
      for (const [index, part] of parts.entries()) {
        const last = index === parts.length - 1;
        const upTo = parts.slice(0, index + 1);
        if (part === '..') {
          dir = this.#resolveDir(upTo);
          continue;
        }
        if (dir.entries.has(part)) {
          if (last && !options.recursive) fail('META_EXISTS', path);
          dir = last ? this.#existingDir(upTo) : this.#resolveDir(upTo);
          continue;
        }
        if (!last && !options.recursive) fail('META_NOT_FOUND', part);
        const child: RefDir = { ...this.#fresh(caller, options.perm ?? 0o755), type: 'directory', parent: dir.id, name: part, entries: new Map() };
        this.#s.nodes.set(child.id, child);
        dir.entries.set(part, child.id);
        dir = child;
      }
      return view(dir);
    });
  }

  /** open(O_CREAT): an existing file (without exclusive), else a new one; a dangling link's target is created. */
  create(caller: RefCaller, path: string, options: { exclusive?: boolean; perm?: number } = {}): InodeView {
    const { parentParts, name } = splitParent(path);
    return this.#atomically(() => {
      let dir = this.#resolveDir(parentParts);
      let createName = name;
      if (dir.entries.has(name)) {
        if (options.exclusive) fail('META_EXISTS', path);
        const found = this.#walk([...parentParts, name], true, true);
        if (found.node) {
          if (found.node.type === 'directory') fail('META_IS_DIRECTORY', path);
          if (found.node.type !== 'file') fail('META_NOT_FILE', path);
          return view(found.node);
        }
        dir = found.dir;
        createName = found.name;
      }
      const file: RefFile = { ...this.#fresh(caller, options.perm ?? 0o644), type: 'file', lengthBytes: 0 };
      this.#s.nodes.set(file.id, file);
      dir.entries.set(createName, file.id);
      return view(file);
    });
  }

  symlink(caller: RefCaller, path: string, target: string): InodeView {
    const { parentParts, name } = splitParent(path);
    if (typeof target !== 'string' || target === '' || target.includes('\0') || utf8.encode(target).length > MAX_PATH_BYTES) {
      fail('META_INVALID_NAME', 'link target');
    }
    return this.#atomically(() => {
      const dir = this.#resolveDir(parentParts);
      if (dir.entries.has(name)) fail('META_EXISTS', path);
      const link: RefLink = { ...this.#fresh(caller, 0o777), type: 'symlink', target };
      this.#s.nodes.set(link.id, link);
      dir.entries.set(name, link.id);
      return view(link);
    });
  }

  hardLink(oldPath: string, newPath: string): InodeView {
    const oldParts = refSplitPath(oldPath);
    const { parentParts, name } = splitParent(newPath);
    return this.#atomically(() => {
      const { node } = this.#resolve(oldParts, false);
      const dir = this.#resolveDir(parentParts);
      if (dir.entries.has(name)) fail('META_EXISTS', newPath);
      if (node.type === 'directory') fail('META_IS_DIRECTORY', oldPath);
      if (node.nlink >= MAX_NLINK) fail('META_TOO_MANY_LINKS', oldPath);
      node.nlink++;
      dir.entries.set(name, node.id);
      return view(node);
    });
  }

  /** unlink (expect 'file'), rmdir (expect 'directory'), either, or rm -r. */
  remove(path: string, options: { recursive?: boolean; expect?: 'file' | 'directory' } = {}): void {
    const { parentParts, name } = splitParent(path);
    this.#atomically(() => {
      const dir = this.#resolveDir(parentParts);
      const id = dir.entries.get(name);
      if (id === undefined) fail('META_NOT_FOUND', path);
      const node = this.#node(id);
      if (options.expect === 'directory' && node.type !== 'directory') fail('META_NOT_DIRECTORY', path);
      if (options.expect === 'file' && node.type === 'directory') fail('META_IS_DIRECTORY', path);
      if (node.type === 'directory' && !options.recursive && node.entries.size > 0) fail('META_NOT_EMPTY', path);
      dir.entries.delete(name);
      this.#dropLink(node);
    });
  }

  rename(srcPath: string, dstPath: string): void {
    const src = splitParent(srcPath);
    const dst = splitParent(dstPath);
    this.#atomically(() => {
      const srcDir = this.#resolveDir(src.parentParts);
      const id = srcDir.entries.get(src.name);
      if (id === undefined) fail('META_NOT_FOUND', srcPath);
      const node = this.#node(id);
      const dstDir = this.#resolveDir(dst.parentParts);
      if (node.type === 'directory' && this.#isSelfOrBelow(dstDir, node.id)) fail('META_RENAME_INTO_SELF', `${srcPath} -> ${dstPath}`);
      const replacedId = dstDir.entries.get(dst.name);
      if (replacedId === node.id) return; // two names of one inode: POSIX does nothing
      if (replacedId !== undefined) {
        const replaced = this.#node(replacedId);
        if (node.type === 'directory' && replaced.type !== 'directory') fail('META_NOT_DIRECTORY', dstPath);
        if (node.type !== 'directory' && replaced.type === 'directory') fail('META_IS_DIRECTORY', dstPath);
        if (replaced.type === 'directory' && replaced.entries.size > 0) fail('META_NOT_EMPTY', dstPath);
        dstDir.entries.delete(dst.name);
        this.#dropLink(replaced);
      }
      srcDir.entries.delete(src.name);
      dstDir.entries.set(dst.name, node.id);
      if (node.type === 'directory') {
        node.parent = dstDir.id;
        node.name = dst.name;
      }
    });
  }

  truncate(path: string, lengthBytes: number): InodeView {
    if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0) fail('INVALID_ARGUMENT', `length ${lengthBytes}`);
    const { node } = this.#resolve(refSplitPath(path), true);
    if (node.type === 'directory') fail('META_IS_DIRECTORY', path);
    if (node.type !== 'file') fail('META_NOT_FILE', path);
    node.lengthBytes = lengthBytes;
    return view(node);
  }

  setAttr(path: string, attrs: { perm?: number; uid?: number; gid?: number; followLast?: boolean }): InodeView {
    const parts = refSplitPath(path);
    for (const value of [attrs.perm, attrs.uid, attrs.gid]) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) fail('INVALID_ARGUMENT', String(value));
    }
    if (attrs.perm !== undefined && attrs.perm > 0o7777) fail('INVALID_ARGUMENT', 'perm');
    const { node } = this.#resolve(parts, attrs.followLast !== false);
    if (attrs.perm !== undefined) node.perm = attrs.perm;
    if (attrs.uid !== undefined) node.uid = attrs.uid;
    if (attrs.gid !== undefined) node.gid = attrs.gid;
    return view(node);
  }

  /** What GC does when it has run to the end: removed trees are emptied, their links dropped. */
  gc(): void {
    while (this.#s.pendingGc.length > 0) {
      const dir = this.#node(this.#s.pendingGc.pop()!) as RefDir;
      for (const childId of dir.entries.values()) this.#dropLink(this.#node(childId));
      this.#s.nodes.delete(dir.id);
    }
  }

  // ---- reads ----

  stat(path: string, followLast = true): InodeView {
    return view(this.#resolve(refSplitPath(path), followLast).node);
  }

  list(path: string): ListedEntry[] {
    const { node } = this.#resolve(refSplitPath(path), true);
    if (node.type !== 'directory') fail('META_NOT_DIRECTORY', path);
    return [...node.entries].sort(([a], [b]) => compareBytes(a, b)).map(([name, id]) => ({ name, type: this.#node(id).type }));
  }

  realPath(path: string, followLast = true): string {
    const found = this.#resolve(refSplitPath(path), followLast);
    if (found.node.type === 'directory') return this.#dirPath(found.node);
    const dirPath = this.#dirPath(found.dir!);
    return dirPath === '/' ? `/${found.name!}` : `${dirPath}/${found.name!}`;
  }

  /** Children of a directory by id, for tree comparison; undefined if no such directory. */
  entriesOf(id: number): Array<[string, number]> | undefined {
    const node = this.#s.nodes.get(id);
    return node?.type === 'directory' ? [...node.entries] : undefined;
  }

  /** Every path in the namespace below `startPath` (itself included), symlinks not followed, in walk order. */
  paths(startPath = '/'): string[] {
    const out = [startPath];
    const start = this.#s.nodes.get(this.#lookupId(refSplitPath(startPath)) ?? -1);
    const visit = (dir: RefDir, path: string): void => {
      for (const [name, id] of [...dir.entries].sort(([a], [b]) => compareBytes(a, b))) {
        const child = this.#node(id);
        const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
        out.push(childPath);
        if (child.type === 'directory') visit(child, childPath);
      }
    };
    if (start?.type === 'directory') visit(start, startPath);
    return out;
  }

  /** The inode a path names without following links, or undefined if any component is missing. */
  #lookupId(parts: readonly string[]): number | undefined {
    try {
      return this.#resolve(parts, false).node.id;
    } catch (error) {
      if (error instanceof FlyerError) return undefined;
      throw error;
    }
  }

  viewOf(id: number): InodeView | undefined {
    const node = this.#s.nodes.get(id);
    return node ? view(node) : undefined;
  }

  // ---- internals ----

  /** Runs a change on a copy of the state: a failure leaves nothing behind, like a transaction. */
  #atomically<T>(body: () => T): T {
    const before = structuredClone(this.#s);
    try {
      return body();
    } catch (error) {
      this.#s = before;
      throw error;
    }
  }

  #fresh(caller: RefCaller, perm: number): NodeBase {
    if (!Number.isInteger(perm) || perm < 0 || perm > 0o7777) fail('INVALID_ARGUMENT', 'perm');
    return { id: this.#s.nextId++, nlink: 1, perm, uid: caller.uid, gid: caller.gid };
  }

  #node(id: number): RefNode {
    const node = this.#s.nodes.get(id);
    if (!node) throw new Error(`reference: no node ${id}`);
    return node;
  }

  #root(): RefDir {
    return this.#node(REF_ROOT_ID) as RefDir;
  }

  /** An entry went away: a directory leaves the namespace (rm -r keeps its contents for GC), others lose a link. */
  #dropLink(node: RefNode): void {
    if (node.type === 'directory') {
      if (node.entries.size > 0) this.#s.pendingGc.push(node.id);
      else this.#s.nodes.delete(node.id);
      return;
    }
    node.nlink--;
    if (node.nlink === 0) this.#s.nodes.delete(node.id);
  }

  #isSelfOrBelow(dir: RefDir, ancestorId: number): boolean {
    for (let at = dir; ; at = this.#node(at.parent) as RefDir) {
      if (at.id === ancestorId) return true;
      if (at.id === REF_ROOT_ID) return false;
    }
  }

  #dirPath(dir: RefDir): string {
    const names: string[] = [];
    for (let at = dir; at.id !== REF_ROOT_ID; at = this.#node(at.parent) as RefDir) names.unshift(at.name);
    return `/${names.join('/')}`;
  }

  #resolve(parts: readonly string[], followLast: boolean): Found {
    return this.#walk(parts, followLast, false) as Found;
  }

  #resolveDir(parts: readonly string[]): RefDir {
    const { node } = this.#resolve(parts, true);
    if (node.type !== 'directory') fail('META_NOT_DIRECTORY', parts.join('/'));
    return node;
  }

  /** mkdir -p's last name exists: a directory (or a link to one) will do, anything else is EEXIST. */
  #existingDir(parts: readonly string[]): RefDir {
    try {
      return this.#resolveDir(parts);
    } catch (error) {
      if (error instanceof FlyerError && ['META_NOT_DIRECTORY', 'META_NOT_FOUND', 'META_SYMLINK_LOOP'].includes(error.code)) fail('META_EXISTS', parts.join('/'));
      throw error;
    }
  }

  /**
   * Path walk with POSIX symlink semantics: links inside the path always followed, the last one only when
   * asked; an absolute target restarts at the root, a relative one in the link's directory; '..' is the
   * physical parent. With `missingOk` a missing last component (also one a link points at) is returned as
   * the place to create it.
   */
  #walk(parts: readonly string[], followLast: boolean, missingOk: boolean): Found | Missing {
    const todo = [...parts];
    let at: Found = { node: this.#root() };
    let links = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (at.node.type !== 'directory') fail('META_NOT_DIRECTORY', part);
      const dir = at.node;
      if (part === '..') {
        at = this.#located(this.#node(dir.parent) as RefDir);
        continue;
      }
      const id = dir.entries.get(part);
      if (id === undefined) {
        if (missingOk && todo.length === 0) return { node: undefined, dir, name: checkNewName(part) };
        fail('META_NOT_FOUND', part);
      }
      const node = this.#node(id);
      if (node.type === 'symlink' && (todo.length > 0 || followLast)) {
        if (++links > MAX_LINKS_PER_RESOLUTION) fail('META_SYMLINK_LOOP', part);
        todo.unshift(...node.target.split('/').filter((p) => p !== '' && p !== '.'));
        at = node.target.startsWith('/') ? { node: this.#root() } : this.#located(dir);
        continue;
      }
      at = { node, dir, name: part };
    }
    return at;
  }

  /** A directory with where it is linked (nothing for the root). */
  #located(dir: RefDir): Found {
    return dir.id === REF_ROOT_ID ? { node: dir } : { node: dir, dir: this.#node(dir.parent) as RefDir, name: dir.name };
  }
}

function view(node: RefNode): InodeView {
  const base = { id: node.id, type: node.type, nlink: node.nlink, perm: node.perm, uid: node.uid, gid: node.gid };
  if (node.type === 'file') return { ...base, lengthBytes: node.lengthBytes };
  if (node.type === 'symlink') return { ...base, target: node.target };
  return base;
}

/** Unsigned byte order of the UTF-8 encodings, as the KV sorts directory entries. */
export function compareBytes(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
