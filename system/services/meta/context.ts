import type { KvStore } from '../../env/kv.ts';
import type { RoutingInfo } from '../mgmtd/types.ts';
import type { ChainAllocator } from './chain-allocator.ts';
import type { InodeIdAllocator } from './inode-id-allocator.ts';
import { MetaTxn } from './meta-txn.ts';
import type { DirectoryLayout, FileInode, StatFs } from './types.ts';

/**
 * What the metadata service asks of storage (3fs-notes §1.2): the exact length of a file from its last
 * chunks, cutting a file's chunks at a length, removing all of them (GC), and space for statfs.
 * Implemented over the storage client; tests may pass a fake.
 */
export interface FileChunkOps {
  /** Asks the first `chainCount` chains of the file's stripe (all when undefined). */
  exactLengthBytes(file: FileInode, chainCount?: number): Promise<number>;
  truncate(file: FileInode, lengthBytes: number): Promise<void>;
  removeAll(file: FileInode): Promise<void>;
  statFs(): Promise<StatFs>;
}

/** Everything an operation needs; one per meta server. */
export interface MetaContext {
  readonly kv: KvStore;
  readonly wallNs: () => number;
  readonly inodeIds: InodeIdAllocator;
  readonly chains: ChainAllocator;
  readonly routing: () => RoutingInfo | undefined;
  /** Fetches a newer routing snapshot (a chain table created after this server started). */
  readonly refreshRouting: () => Promise<void>;
  readonly chunks: FileChunkOps | undefined;
  /** The root directory's layout when the namespace is first created. */
  readonly rootLayout: DirectoryLayout;
}

/** Runs `body` in a serializable transaction (retried on conflict) with typed table access. */
export function inTxn<T>(ctx: MetaContext, body: (mt: MetaTxn) => Promise<T>): Promise<T> {
  return ctx.kv.transact((txn) => body(new MetaTxn(txn, ctx.wallNs())));
}

/** Read-only: snapshot reads add no conflicts (3FS reads stat and list this way). */
export function inSnapshot<T>(ctx: MetaContext, body: (mt: MetaTxn) => Promise<T>): Promise<T> {
  return ctx.kv.transact((txn) => body(new MetaTxn(txn, ctx.wallNs(), true)));
}
