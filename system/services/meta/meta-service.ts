import { FlyerError } from '../../env/errors.ts';
import type { KvStore } from '../../env/kv.ts';
import type { Env, RpcMethod } from '../../env/types.ts';
import type { RoutingProvider } from '../client/routing-view.ts';
import { ChainAllocator } from './chain-allocator.ts';
import { inTxn, type FileChunkOps, type MetaContext } from './context.ts';
import { collectGarbage } from './gc.ts';
import { pruneIdempotency } from './idempotency.ts';
import { InodeIdAllocator } from './inode-id-allocator.ts';
import * as m from './messages.ts';
import { create, hardLink, mkdirs, open, symlink } from './ops-create.ts';
import { closeOrSync, pruneSessions, setAttr, truncate } from './ops-file.ts';
import { batchStat, batchStatByPath, list, realPath, stat, statFs } from './ops-read.ts';
import { remove, rename } from './ops-remove.ts';
import { checkRequestFlags } from './request-fields.ts';
import { activeServers, ownerOf, stampServer } from './server-registry.ts';
import { cleanTrash } from './trash-cleaner.ts';
import { ROOT_INODE_ID, type DirectoryInode, type DirectoryLayout } from './types.ts';

const S = 1_000_000_000;

export interface MetaServiceOptions {
  readonly kvName?: string;
  readonly routing: RoutingProvider;
  readonly chunks?: FileChunkOps;
  /** Layout of the root directory when the namespace is created (3FS deploy guide: 1 MiB chunks, stripe 16). */
  readonly rootLayout?: DirectoryLayout;
  readonly gcDelayNs?: number;
  readonly gcIntervalNs?: number;
  readonly gcBatch?: number;
  readonly stampIntervalNs?: number;
  /** A server not stamped for this long is no longer active (its GC share moves). */
  readonly serverTimeoutNs?: number;
  readonly maintenanceIntervalNs?: number;
  /** The clients alive now (mgmtd client sessions); write sessions of others are pruned. */
  readonly liveClients?: () => ReadonlySet<string> | undefined;
}

export const DEFAULT_ROOT_LAYOUT: DirectoryLayout = { tableId: 1, tableVersion: 0, chunkSizeBytes: 1 << 20, stripeSize: 16 };

/**
 * A metadata server (3FS meta, 3fs-notes §1.2): stateless over the transactional KV, so any number run
 * side by side and any of them answers any request; every operation is one serializable transaction.
 * Background loops on the env clock: stamping itself active, GC of removed files (each server collects
 * the inodes it owns by rendezvous hashing), pruning write sessions of dead clients, idempotency records
 * and expired trash.
 */
export class MetaService {
  #stopped = false;
  #servers: string[] = [];

  private constructor(
    private readonly env: Env,
    readonly ctx: MetaContext,
    private readonly options: MetaServiceOptions,
  ) {}

  static async start(env: Env, options: MetaServiceOptions): Promise<MetaService> {
    const kv: KvStore = await env.openKv(options.kvName ?? 'meta');
    const random = env.random('meta');
    const ctx: MetaContext = {
      kv,
      wallNs: () => env.clock.wallNs(),
      inodeIds: new InodeIdAllocator(kv, random),
      chains: new ChainAllocator(env.random('meta-chains')),
      routing: () => options.routing.current(),
      refreshRouting: () => options.routing.refresh(),
      chunks: options.chunks,
      rootLayout: options.rootLayout ?? DEFAULT_ROOT_LAYOUT,
    };
    const service = new MetaService(env, ctx, options);
    await ensureRoot(ctx);
    service.#serveAll();
    await stampServer(kv, env.nodeId, env.clock.wallNs());
    void service.#loop('stamp', options.stampIntervalNs ?? S, async () => {
      await stampServer(kv, env.nodeId, env.clock.wallNs());
      service.#servers = await activeServers(kv, env.clock.wallNs(), options.serverTimeoutNs ?? 10 * S);
    });
    void service.#loop('gc', options.gcIntervalNs ?? S, () => service.collectGarbageOnce());
    void service.#loop('maintenance', options.maintenanceIntervalNs ?? 30 * S, () => service.#maintain());
    env.log.info('meta started');
    return service;
  }

  stop(): void {
    this.#stopped = true;
  }

  /** One GC round now (tests call it to avoid waiting for the loop). */
  async collectGarbageOnce(): Promise<{ collected: number; busy: number; failed: number }> {
    const servers = this.#servers.length > 0 ? this.#servers : [this.env.nodeId];
    return collectGarbage(this.env, this.ctx, {
      delayNs: this.options.gcDelayNs ?? 5 * 60 * S,
      batch: this.options.gcBatch ?? 256,
      directoryBatch: 32,
      owns: (inodeId) => ownerOf(inodeId, servers) === this.env.nodeId,
    });
  }

  async #maintain(): Promise<void> {
    const live = this.options.liveClients?.();
    if (live) {
      const pruned = await pruneSessions(this.ctx, (clientId) => !live.has(clientId));
      if (pruned > 0) this.env.log.info('meta: pruned write sessions of dead clients', { pruned });
    }
    await pruneIdempotency(this.ctx.kv, this.env.clock.wallNs());
    await cleanTrash(this.ctx);
  }

  #serveAll(): void {
    const ctx = this.ctx;
    this.#serve(m.metaStatFs, () => statFs(ctx));
    this.#serve(m.metaStat, async (r) => ({ inode: await stat(ctx, r) }));
    this.#serve(m.metaBatchStat, async (r) => ({ inodes: await batchStat(ctx, r.inodeIds) }));
    this.#serve(m.metaBatchStatByPath, async (r) => ({ results: await batchStatByPath(ctx, r) }));
    this.#serve(m.metaCreate, async (r) => ({ inode: await create(ctx, checkRequestId(r)) }));
    this.#serve(m.metaOpen, async (r) => ({ inode: await open(ctx, r) }));
    this.#serve(m.metaMkdirs, async (r) => ({ inode: await mkdirs(ctx, checkRequestId(r)) }));
    this.#serve(m.metaSymlink, async (r) => ({ inode: await symlink(ctx, checkRequestId(r)) }));
    this.#serve(m.metaHardLink, async (r) => ({ inode: await hardLink(ctx, checkRequestId(r)) }));
    this.#serve(m.metaRemove, async (r) => {
      await remove(ctx, checkRequestId(r));
      return { ok: true } as const;
    });
    this.#serve(m.metaRename, async (r) => {
      await rename(ctx, checkRequestId(r));
      return { ok: true } as const;
    });
    this.#serve(m.metaList, (r) => list(ctx, r));
    this.#serve(m.metaSync, async (r) => ({ inode: await closeOrSync(ctx, r, false) }));
    this.#serve(m.metaClose, async (r) => ({ inode: await closeOrSync(ctx, r, true) }));
    this.#serve(m.metaTruncate, async (r) => ({ inode: await truncate(ctx, checkRequestId(r)) }));
    this.#serve(m.metaGetRealPath, async (r) => ({ path: await realPath(ctx, r) }));
    this.#serve(m.metaSetAttr, async (r) => ({ inode: await setAttr(ctx, checkRequestId(r)) }));
    this.#serve(m.metaPruneSessions, async (r) => {
      if (typeof r.deadClientId !== 'string') throw new FlyerError('INVALID_ARGUMENT', 'deadClientId must be a string');
      return { pruned: await pruneSessions(ctx, (clientId) => clientId === r.deadClientId) };
    });
  }

  /** Every request must name its caller; anything else is malformed and refused before any work. */
  #serve<Req, Res>(method: RpcMethod<Req, Res>, handler: (request: Req) => Promise<Res>): void {
    this.env.rpc.serve(method, async (request) => {
      if (this.#stopped) throw new FlyerError('META_NO_SERVER', `${this.env.nodeId} is stopping`);
      checkCaller(request);
      checkRequestFlags(request as Record<string, unknown>);
      return handler(request);
    });
  }

  async #loop(name: string, intervalNs: number, body: () => Promise<unknown>): Promise<void> {
    while (!this.#stopped) {
      await this.env.clock.sleep(intervalNs);
      if (this.#stopped) return;
      try {
        await body();
      } catch (error) {
        this.env.log.warn(`meta ${name} failed; retrying next round`, { error: (error as Error).message });
      }
    }
  }
}

/** Creates the root directory the first time any server starts on an empty KV. */
async function ensureRoot(ctx: MetaContext): Promise<void> {
  await inTxn(ctx, async (mt) => {
    if (await mt.inode(ROOT_INODE_ID)) return;
    const root: DirectoryInode = {
      id: ROOT_INODE_ID, type: 'directory', uid: 0, gid: 0, perm: 0o755, nlink: 1,
      atimeNs: mt.nowNs, mtimeNs: mt.nowNs, ctimeNs: mt.nowNs, parentId: ROOT_INODE_ID, name: '', layout: ctx.rootLayout,
    };
    mt.putInode(root);
  });
}

function checkCaller(request: unknown): void {
  const caller = (request as { caller?: unknown } | null)?.caller as Record<string, unknown> | undefined;
  if (typeof request !== 'object' || request === null || typeof caller !== 'object' || caller === null
    || typeof caller.clientId !== 'string' || !Number.isSafeInteger(caller.uid) || !Number.isSafeInteger(caller.gid)) {
    throw new FlyerError('INVALID_ARGUMENT', 'a meta request needs caller {clientId, uid, gid}');
  }
}

function checkRequestId<T extends { readonly requestId: string }>(request: T): T {
  if (typeof request.requestId !== 'string' || request.requestId.length === 0 || request.requestId.length > 128) {
    throw new FlyerError('INVALID_ARGUMENT', 'a namespace change needs a request id of 1-128 characters');
  }
  return request;
}
