import { MemoryKv } from '../../system/env/kv-memory.ts';
import { randomStream } from '../../system/env/random.ts';
import type { Env } from '../../system/env/types.ts';
import type { RoutingProvider } from '../../system/services/client/routing-view.ts';
import type { RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { ChainAllocator } from '../../system/services/meta/chain-allocator.ts';
import { inTxn, type FileChunkOps, type MetaContext } from '../../system/services/meta/context.ts';
import { collectGarbage } from '../../system/services/meta/gc.ts';
import { InodeIdAllocator } from '../../system/services/meta/inode-id-allocator.ts';
import { create, hardLink, mkdirs, symlink } from '../../system/services/meta/ops-create.ts';
import { setAttr, truncate } from '../../system/services/meta/ops-file.ts';
import { LIST_LIMIT_MAX, list, realPath, stat } from '../../system/services/meta/ops-read.ts';
import { remove, rename } from '../../system/services/meta/ops-remove.ts';
import { ROOT_INODE_ID, type Caller, type DirectoryLayout } from '../../system/services/meta/types.ts';
import type { NamespaceApi } from './commands.ts';

/**
 * Meta servers without RPC, for driving the operations directly: each MetaContext is one stateless server
 * (its own id and chain allocators), all over one MemoryKv, as several 3FS meta servers share FoundationDB.
 */
export const TEST_ROOT_LAYOUT: DirectoryLayout = { tableId: 1, tableVersion: 0, chunkSizeBytes: 1 << 20, stripeSize: 2 };

/** One chain table (table 1, version 1, four chains): all a namespace-only test needs for layouts. */
export const STATIC_ROUTING: RoutingInfo = {
  routingVersion: 1,
  bootstrapping: false,
  primary: 'none',
  nodes: {},
  targets: {},
  chains: {},
  chainTables: { '1': { '1': { tableId: 1, tableVersion: 1, chainIds: [1, 2, 3, 4] } } },
};

export const staticRoutingProvider: RoutingProvider = { current: () => STATIC_ROUTING, refresh: async () => undefined };

export function callerOf(client: number): Caller {
  return { clientId: `client-${client}`, uid: 1000 + client, gid: 100 + client };
}

export interface MetaWorld {
  readonly kv: MemoryKv;
  readonly servers: readonly MetaContext[];
  /** Advances the shared wall clock (1 µs per reading, so GC keys and stamps differ). */
  readonly clock: { nowNs: number };
}

export async function newMetaWorld(serverCount: number, seed = 1, chunks?: FileChunkOps): Promise<MetaWorld> {
  const kv = new MemoryKv();
  const clock = { nowNs: 1_000_000_000 };
  const servers = Array.from({ length: serverCount }, (_, i): MetaContext => ({
    kv,
    wallNs: () => (clock.nowNs += 1000),
    inodeIds: new InodeIdAllocator(kv, randomStream(seed, `meta-${i}`, 'meta')),
    chains: new ChainAllocator(randomStream(seed, `meta-${i}`, 'meta-chains')),
    routing: () => STATIC_ROUTING,
    refreshRouting: async () => undefined,
    chunks,
    rootLayout: TEST_ROOT_LAYOUT,
  }));
  await inTxn(servers[0]!, async (mt) => {
    mt.putInode({
      id: ROOT_INODE_ID, type: 'directory', uid: 0, gid: 0, perm: 0o755, nlink: 1, atimeNs: 0, mtimeNs: 0, ctimeNs: 0,
      parentId: ROOT_INODE_ID, name: '', layout: TEST_ROOT_LAYOUT,
    });
  });
  return { kv, servers, clock };
}

/** Just what collectGarbage uses of an Env. */
const gcEnv = {
  log: { warn: () => undefined, info: () => undefined },
  metrics: { counter: () => ({ add: () => undefined }) },
} as unknown as Env;

/** Runs GC with no delay until a round finds nothing left to do; returns the rounds it took. */
export async function runGcToEnd(ctx: MetaContext, roundsMax = 100): Promise<number> {
  for (let round = 1; round <= roundsMax; round++) {
    const { collected, busy, failed } = await collectGarbage(gcEnv, ctx, { delayNs: 0, batch: 1000, directoryBatch: 4, owns: () => true });
    if (failed > 0) throw new Error(`gc round ${round}: ${failed} failed`);
    if (collected === 0 && busy === 0) return round;
  }
  throw new Error(`gc did not finish in ${roundsMax} rounds`);
}

let requestCounter = 0;

/** The operations called directly on one server, shaped like MetaClient (fresh request id per change). */
export function directApi(ctx: MetaContext, caller: Caller): NamespaceApi {
  const requestId = (): string => `${caller.clientId}:direct:${++requestCounter}`;
  return {
    mkdirs: (path, options) => mkdirs(ctx, { caller, requestId: requestId(), path, ...options }),
    create: (path, options) => create(ctx, { caller, requestId: requestId(), path, ...options }),
    symlink: (path, target) => symlink(ctx, { caller, requestId: requestId(), path, target }),
    hardLink: (oldPath, newPath) => hardLink(ctx, { caller, requestId: requestId(), oldPath, newPath }),
    remove: (path, options) => remove(ctx, { caller, requestId: requestId(), path, ...options }),
    rename: (srcPath, dstPath) => rename(ctx, { caller, requestId: requestId(), srcPath, dstPath }),
    stat: (path, followLast) => stat(ctx, { caller, path, followLast }),
    listAll: async (path) => (await list(ctx, { caller, path, limit: LIST_LIMIT_MAX })).entries,
    realPath: (path) => realPath(ctx, { caller, path }),
    truncate: (path, lengthBytes) => truncate(ctx, { caller, requestId: requestId(), path, lengthBytes }),
    setAttr: (path, attrs) => setAttr(ctx, { caller, requestId: requestId(), path, ...attrs }),
  };
}
