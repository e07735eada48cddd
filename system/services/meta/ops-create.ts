import { FlyerError, isFlyerError } from '../../env/errors.ts';
import { validateLayout } from '../client/layout.ts';
import { inTxn, type MetaContext } from './context.ts';
import { once } from './idempotency.ts';
import type { CreateRequest, HardLinkRequest, MkdirsRequest, OpenRequest, SymlinkRequest } from './messages.ts';
import type { MetaTxn } from './meta-txn.ts';
import { checkLinkTarget, checkName, refuseDotLast, splitParent, splitPath } from './names.ts';
import { depthOf, resolveDirectory, resolveForCreate, resolveParts } from './path-resolver.ts';
import {
  MAX_DIRECTORY_DEPTH, MAX_NLINK, type Caller, type DirectoryInode, type DirectoryLayout, type FileInode, type Inode,
  type SymlinkInode,
} from './types.ts';

const DEFAULT_FILE_PERM = 0o644;
const DEFAULT_DIR_PERM = 0o755;

// Entry changes leave the directory inode alone (no mtime or nlink update), as 3FS does: writing the
// parent on every create would make all creates in one directory conflict with each other in the KV.
// A directory's nlink is 1 while it is linked and 0 once removed.

/**
 * create (O_CREAT): a new file in an existing directory, with a layout drawn from the directory's, or
 * (without `exclusive`) the existing file of that name. A write session is recorded when the caller
 * opens for write. O_TRUNC of an existing file is done by the caller through `truncate` afterwards.
 */
export async function create(ctx: MetaContext, request: CreateRequest): Promise<Inode> {
  try {
    return await createOnce(ctx, request);
  } catch (error) {
    // The directory may name a chain table this server's routing does not have yet: refresh once.
    if (!isFlyerError(error, 'META_INVALID_LAYOUT')) throw error;
    await ctx.refreshRouting();
    return createOnce(ctx, request);
  }
}

async function createOnce(ctx: MetaContext, request: CreateRequest): Promise<Inode> {
  const { parentParts, name } = splitParent(request.path);
  const fresh = await ctx.inodeIds.allocate();
  const routing = ctx.routing();
  return inTxn(ctx, (mt) => once(mt, request.requestId, async () => {
    const parent = await resolveDirectory(mt, parentParts);
    let at: { readonly parent: DirectoryInode; readonly name: string } = { parent, name };
    if (await mt.entry(parent.id, name)) {
      if (request.exclusive) throw new FlyerError('META_EXISTS', request.path);
      // Without O_EXCL the name is followed as open(2) does: an existing file is opened, and a dangling
      // symlink's target is created (in the directory the link points into).
      const found = await resolveForCreate(mt, [...parentParts, name]);
      if (found.inode === undefined) {
        at = found;
      } else {
        const { inode } = found;
        if (inode.type === 'directory') throw new FlyerError('META_IS_DIRECTORY', request.path);
        if (inode.type !== 'file') throw new FlyerError('META_NOT_FILE', request.path);
        openSession(mt, inode, request.caller, request.sessionId);
        return inode;
      }
    }
    const file: FileInode = {
      ...newInodeBase(mt, fresh, request.caller, request.perm ?? DEFAULT_FILE_PERM),
      type: 'file',
      lengthBytes: 0,
      truncateVersion: 0,
      layout: ctx.chains.layoutFor(at.parent.layout, routing),
    };
    mt.putInode(file);
    mt.putEntry({ parentId: at.parent.id, name: at.name, inodeId: file.id, type: 'file' });
    openSession(mt, file, request.caller, request.sessionId);
    return file;
  }));
}

/** open of an existing path; a write open records a session. Directories open read-only only. */
export async function open(ctx: MetaContext, request: OpenRequest): Promise<Inode> {
  const parts = splitPath(request.path);
  return inTxn(ctx, async (mt) => {
    const { inode } = await resolveParts(mt, parts, true);
    if (inode.type === 'directory' && request.sessionId !== undefined) throw new FlyerError('META_IS_DIRECTORY', `${request.path}: opened for write`);
    if (inode.type === 'file') openSession(mt, inode, request.caller, request.sessionId);
    return inode;
  });
}

/** mkdir, or mkdir -p with `recursive` (existing directories on the way are fine then). */
export async function mkdirs(ctx: MetaContext, request: MkdirsRequest): Promise<Inode> {
  const parts = splitPath(request.path);
  refuseDotLast(request.path);
  if (parts.length === 0) {
    if (request.recursive) return inTxn(ctx, (mt) => mt.mustInode(0));
    throw new FlyerError('META_EXISTS', '/');
  }
  for (const part of parts) if (part !== '..') checkName(part);
  if (request.layout) checkDirectoryLayout(request.layout);
  // Ids for every component that may be created, drawn before the transaction (it may retry).
  const ids = await Promise.all(parts.map(() => ctx.inodeIds.allocate()));
  return inTxn(ctx, (mt) => once(mt, request.requestId, async () => {
    let dir = await resolveDirectory(mt, []);
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      if (part === '..') {
        dir = await resolveDirectory(mt, parts.slice(0, index + 1));
        continue;
      }
      const entry = await mt.entry(dir.id, part);
      if (entry) {
        if (last && !request.recursive) throw new FlyerError('META_EXISTS', request.path);
        dir = last ? await existingDirectory(mt, parts, request.path) : await resolveDirectory(mt, parts.slice(0, index + 1));
        continue;
      }
      if (!last && !request.recursive) throw new FlyerError('META_NOT_FOUND', `'${part}' in ${request.path}`);
      if ((await depthOf(mt, dir)) + 1 > MAX_DIRECTORY_DEPTH) throw new FlyerError('META_NAME_TOO_LONG', `${request.path}: deeper than ${MAX_DIRECTORY_DEPTH}`);
      const child: DirectoryInode = {
        ...newInodeBase(mt, ids[index]!, request.caller, request.perm ?? DEFAULT_DIR_PERM),
        type: 'directory',
        parentId: dir.id,
        name: part,
        layout: last && request.layout ? request.layout : dir.layout,
      };
      mt.putInode(child);
      mt.putEntry({ parentId: dir.id, name: part, inodeId: child.id, type: 'directory' });
      dir = child;
    }
    return dir;
  }));
}

export async function symlink(ctx: MetaContext, request: SymlinkRequest): Promise<Inode> {
  const { parentParts, name } = splitParent(request.path);
  checkLinkTarget(request.target);
  const id = await ctx.inodeIds.allocate();
  return inTxn(ctx, (mt) => once(mt, request.requestId, async () => {
    const parent = await resolveDirectory(mt, parentParts);
    if (await mt.entry(parent.id, name)) throw new FlyerError('META_EXISTS', request.path);
    const link: SymlinkInode = { ...newInodeBase(mt, id, request.caller, 0o777), type: 'symlink', target: request.target };
    mt.putInode(link);
    mt.putEntry({ parentId: parent.id, name, inodeId: id, type: 'symlink' });
    return link;
  }));
}

/**
 * link(2): a second name for a file or symlink (never a directory); the old path's last link is not followed.
 * Errors come in Linux's order: the old path, then the new one (ENOENT, EEXIST), then what is being linked.
 */
export async function hardLink(ctx: MetaContext, request: HardLinkRequest): Promise<Inode> {
  const oldParts = splitPath(request.oldPath);
  const { parentParts, name } = splitParent(request.newPath);
  return inTxn(ctx, (mt) => once(mt, request.requestId, async () => {
    const { inode } = await resolveParts(mt, oldParts, false);
    const parent = await resolveDirectory(mt, parentParts);
    if (await mt.entry(parent.id, name)) throw new FlyerError('META_EXISTS', request.newPath);
    if (inode.type === 'directory') throw new FlyerError('META_IS_DIRECTORY', `${request.oldPath}: hard links to directories are not allowed`);
    if (inode.nlink >= MAX_NLINK) throw new FlyerError('META_TOO_MANY_LINKS', request.oldPath);
    const linked = { ...inode, nlink: inode.nlink + 1, ctimeNs: mt.nowNs };
    mt.putInode(linked);
    mt.putEntry({ parentId: parent.id, name, inodeId: inode.id, type: inode.type });
    return linked;
  }));
}

/**
 * mkdir -p's last component when the name exists: a directory (or a link to one) is the answer; anything
 * else -- a file, a dangling or looping link -- is EEXIST, as mkdir(2) says (not ENOTDIR or ENOENT).
 */
async function existingDirectory(mt: MetaTxn, parts: readonly string[], path: string): Promise<DirectoryInode> {
  try {
    return await resolveDirectory(mt, parts);
  } catch (error) {
    if (isFlyerError(error, 'META_NOT_DIRECTORY') || isFlyerError(error, 'META_NOT_FOUND') || isFlyerError(error, 'META_SYMLINK_LOOP')) {
      throw new FlyerError('META_EXISTS', `${path}: exists and is not a directory`);
    }
    throw error;
  }
}

function newInodeBase(mt: MetaTxn, id: number, caller: Caller, perm: number) {
  if (!Number.isInteger(perm) || perm < 0 || perm > 0o7777) throw new FlyerError('INVALID_ARGUMENT', `bad permission bits ${perm}`);
  return { id, uid: caller.uid, gid: caller.gid, perm, nlink: 1, atimeNs: mt.nowNs, mtimeNs: mt.nowNs, ctimeNs: mt.nowNs };
}

function openSession(mt: MetaTxn, file: FileInode, caller: Caller, sessionId: string | undefined): void {
  if (sessionId === undefined) return;
  if (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > 128) throw new FlyerError('INVALID_ARGUMENT', 'bad session id');
  mt.putSession({ inodeId: file.id, sessionId, clientId: caller.clientId, createdNs: mt.nowNs });
}

export function checkDirectoryLayout(layout: DirectoryLayout): void {
  try {
    validateLayout({ ...layout, baseIndex: 0, shuffleSeed: 0 });
  } catch (error) {
    throw new FlyerError('META_INVALID_LAYOUT', (error as Error).message);
  }
  if (!Number.isSafeInteger(layout.tableId) || layout.tableId < 1 || !Number.isSafeInteger(layout.tableVersion) || layout.tableVersion < 0) {
    throw new FlyerError('META_INVALID_LAYOUT', `bad chain table ${layout.tableId} v${layout.tableVersion}`);
  }
}
