import { FlyerError } from '../../env/errors.ts';
import { inSnapshot, inTxn, type MetaContext } from './context.ts';
import { once, recorded } from './idempotency.ts';
import type { CloseRequest, SetAttrRequest, TruncateRequest } from './messages.ts';
import { checkDirectoryLayout } from './ops-create.ts';
import { checkInodeId } from './ops-read.ts';
import { splitPath } from './names.ts';
import { resolveParts } from './path-resolver.ts';
import { decodeValue, keys, prefixEnd } from './schema.ts';
import type { FileInode, FileSession, Inode } from './types.ts';

/** Files may grow to 2^48 chunks of at least 4 KiB; lengths stay safe integers well before that. */
const MAX_FILE_LENGTH_BYTES = Number.MAX_SAFE_INTEGER;

/**
 * close and fsync (3fs-notes §1.2 "Write sessions, length"): the file's length becomes the largest of
 * what meta has, the client's hint (if no truncate happened since the client computed it) and, with
 * `updateLength`, the exact length storage reports from the file's last chunks. Length only shrinks
 * through truncate, so taking the maximum never undoes a write. close also ends the write session;
 * closing a session that is already gone is fine (a retried close).
 */
export async function closeOrSync(ctx: MetaContext, request: CloseRequest, closing: boolean): Promise<Inode> {
  const id = checkInodeId(request.inodeId);
  const hint = request.lengthHintBytes;
  if (hint !== undefined && (!Number.isSafeInteger(hint) || hint < 0)) throw new FlyerError('INVALID_ARGUMENT', `bad length hint ${hint}`);
  let exact: { lengthBytes: number; truncateVersion: number } | undefined;
  if (request.updateLength && ctx.chunks) {
    const before = await inSnapshot(ctx, (mt) => mt.mustInode(id));
    if (before.type === 'file') {
      exact = { lengthBytes: await ctx.chunks.exactLengthBytes(before, chainsToQuery(before, hint)), truncateVersion: before.truncateVersion };
    }
  }
  return inTxn(ctx, async (mt) => {
    const inode = await mt.mustInode(id);
    if (closing && request.sessionId !== undefined) mt.clearSession(id, request.sessionId);
    if (inode.type !== 'file') return inode;
    let lengthBytes = inode.lengthBytes;
    if (hint !== undefined && (request.truncateVersion ?? inode.truncateVersion) === inode.truncateVersion) lengthBytes = Math.max(lengthBytes, hint);
    if (exact && exact.truncateVersion === inode.truncateVersion) lengthBytes = Math.max(lengthBytes, exact.lengthBytes);
    if (lengthBytes === inode.lengthBytes) return inode;
    const updated: FileInode = { ...inode, lengthBytes, mtimeNs: mt.nowNs, ctimeNs: mt.nowNs };
    mt.putInode(updated);
    return updated;
  });
}

/**
 * How many of the file's stripe chains can hold its last chunk (3FS's dynamic stripe): chunk i lives on
 * stripe chain i mod stripe, so a file of k chunks touches only the first min(k, stripe) chains. With a
 * hint, what this client wrote and what meta already has bound k; a writer beyond both reports its own
 * hint when it closes. Without one, every chain is asked.
 */
function chainsToQuery(file: FileInode, hint: number | undefined): number | undefined {
  if (hint === undefined) return undefined;
  const chunks = Math.ceil(Math.max(hint, file.lengthBytes) / file.layout.chunkSizeBytes);
  return Math.max(1, Math.min(file.layout.stripeSize, chunks));
}

/**
 * truncate(2) to any length: storage first cuts the last chunk and removes later ones (or extends with
 * zeros), then the new length and a new truncate version are committed, so stale length hints lose.
 */
export async function truncate(ctx: MetaContext, request: TruncateRequest): Promise<Inode> {
  const lengthBytes = request.lengthBytes;
  if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0 || lengthBytes > MAX_FILE_LENGTH_BYTES) throw new FlyerError('INVALID_ARGUMENT', `bad length ${lengthBytes}`);
  // A retry of a truncate that committed returns its result: cutting the chunks again could cut data
  // written since, and the path may name another file (or nothing) by now.
  const done = await inSnapshot(ctx, (mt) => recorded<Inode>(mt, request.requestId));
  if (done) return done.result;
  const target = await inSnapshot(ctx, async (mt) => {
    const inode = request.inodeId !== undefined ? await mt.mustInode(checkInodeId(request.inodeId)) : (await resolveParts(mt, splitPath(request.path), true)).inode;
    if (inode.type === 'directory') throw new FlyerError('META_IS_DIRECTORY', request.path ?? `inode ${inode.id}`);
    if (inode.type !== 'file') throw new FlyerError('META_NOT_FILE', request.path ?? `inode ${inode.id}`);
    if (inode.nlink === 0) throw new FlyerError('META_NOT_FOUND', `inode ${inode.id} was removed`);
    return inode;
  });
  if (ctx.chunks) await ctx.chunks.truncate(target, lengthBytes);
  return inTxn(ctx, (mt) => once(mt, request.requestId, async () => {
    const inode = await mt.mustInode(target.id);
    if (inode.type !== 'file') throw new FlyerError('META_NOT_FILE', `inode ${inode.id}`);
    const updated: FileInode = { ...inode, lengthBytes, truncateVersion: inode.truncateVersion + 1, mtimeNs: mt.nowNs, ctimeNs: mt.nowNs };
    mt.putInode(updated);
    return updated;
  }));
}

/** chmod, chown, utimes, and a directory's layout for new files. */
export async function setAttr(ctx: MetaContext, request: SetAttrRequest): Promise<Inode> {
  const parts = splitPath(request.path);
  for (const [field, value] of Object.entries({ perm: request.perm, uid: request.uid, gid: request.gid, atimeNs: request.atimeNs, mtimeNs: request.mtimeNs })) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new FlyerError('INVALID_ARGUMENT', `bad ${field} ${value}`);
  }
  if (request.perm !== undefined && request.perm > 0o7777) throw new FlyerError('INVALID_ARGUMENT', `bad permission bits ${request.perm}`);
  if (request.layout) checkDirectoryLayout(request.layout);
  return inTxn(ctx, (mt) => once(mt, request.requestId, async () => {
    const { inode } = await resolveParts(mt, parts, request.followLast !== false);
    if (request.layout && inode.type !== 'directory') throw new FlyerError('META_NOT_DIRECTORY', `${request.path}: only directories have a layout`);
    const updated = {
      ...inode,
      ...(request.perm !== undefined ? { perm: request.perm } : {}),
      ...(request.uid !== undefined ? { uid: request.uid } : {}),
      ...(request.gid !== undefined ? { gid: request.gid } : {}),
      ...(request.atimeNs !== undefined ? { atimeNs: request.atimeNs } : {}),
      ...(request.mtimeNs !== undefined ? { mtimeNs: request.mtimeNs } : {}),
      ...(request.layout && inode.type === 'directory' ? { layout: request.layout } : {}),
      ctimeNs: mt.nowNs,
    } as Inode;
    mt.putInode(updated);
    return updated;
  }));
}

/** Drops every write session of clients that are gone (3FS SessionManager), a batch at a time. */
export async function pruneSessions(ctx: MetaContext, isDead: (clientId: string) => boolean, batch = 1024): Promise<number> {
  let pruned = 0;
  let begin = keys.allSessions();
  const end = prefixEnd(keys.allSessions());
  for (;;) {
    const { count, next } = await inTxn(ctx, async (mt) => {
      const pairs = await mt.txn.getRange(begin, end, { limit: batch });
      let count = 0;
      for (const pair of pairs) {
        const session = decodeValue<FileSession>(pair.value);
        if (isDead(session.clientId)) {
          mt.txn.clear(pair.key);
          count++;
        }
      }
      const last = pairs.at(-1);
      return { count, next: pairs.length < batch || !last ? undefined : appendZero(last.key) };
    });
    pruned += count;
    if (!next) return pruned;
    begin = next;
  }
}

function appendZero(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}
