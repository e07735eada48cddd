import { FlyerError, isFlyerError, toFlyerError, type ErrorCode } from '../../env/errors.ts';
import type { Env, NodeId, RpcMethod } from '../../env/types.ts';
import * as m from './messages.ts';
import { ownerOf } from './server-registry.ts';
import type { Caller, DirectoryLayout, DirEntry, Inode, InodeId, StatFs } from './types.ts';

export interface MetaClientOptions {
  readonly servers: readonly NodeId[];
  readonly caller: Caller;
  readonly attemptTimeoutNs?: number;
  /** Give up after this long in total (a meta server restarting takes a few seconds). */
  readonly totalTimeoutNs?: number;
  readonly backoffNs?: number;
}

/** Failures that mean "try another server or again later"; everything else is the answer. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'RPC_TIMEOUT', 'RPC_UNREACHABLE', 'RPC_CONNECTION_CLOSED', 'RPC_UNKNOWN_METHOD', 'RPC_DEADLINE_PASSED', 'META_NO_SERVER', 'KV_CONFLICT',
  'KV_STORE_CLOSED', 'KV_TRANSACTION_TOO_OLD',
  // The server's shared KV (flyer kv) was out of reach, or lost mid-commit: request ids make a retry safe.
  'KV_UNAVAILABLE', 'KV_COMMIT_UNKNOWN_RESULT',
]);

/**
 * The client side of the metadata service: any server answers any request, so calls rotate over the
 * servers and fail over on timeouts; close and sync go to the inode's owner first (3FS routes them
 * there to batch per inode). Namespace changes carry one request id across all attempts, so a retry of
 * a change whose reply was lost returns the first result (see meta/idempotency.ts).
 */
export class MetaClient {
  readonly #servers: readonly NodeId[];
  readonly #attemptTimeoutNs: number;
  readonly #totalTimeoutNs: number;
  readonly #backoffNs: number;
  #next = 0;
  #requests = 0;
  readonly #random;

  constructor(private readonly env: Env, private readonly options: MetaClientOptions) {
    if (!Array.isArray(options.servers) || options.servers.length === 0) throw new FlyerError('INVALID_ARGUMENT', 'MetaClient needs at least one meta server');
    this.#servers = [...options.servers];
    this.#attemptTimeoutNs = options.attemptTimeoutNs ?? 2_000_000_000;
    this.#totalTimeoutNs = options.totalTimeoutNs ?? 60_000_000_000;
    this.#backoffNs = options.backoffNs ?? 20_000_000;
    this.#random = env.random('meta-client');
    this.#next = this.#random.int(this.#servers.length);
  }

  get caller(): Caller {
    return this.options.caller;
  }

  /** A fresh id for one namespace change (kept across its retries). */
  newRequestId(): string {
    return `${this.options.caller.clientId}:${this.env.nodeId}:${++this.#requests}:${this.#random.nextU32().toString(36)}`;
  }

  async stat(path: string, followLast = true): Promise<Inode> {
    return (await this.#call(m.metaStat, { caller: this.caller, path, followLast })).inode;
  }

  async statInode(inodeId: InodeId): Promise<Inode> {
    return (await this.#call(m.metaStat, { caller: this.caller, inodeId })).inode;
  }

  async batchStat(inodeIds: readonly InodeId[]): Promise<ReadonlyArray<Inode | null>> {
    return (await this.#call(m.metaBatchStat, { caller: this.caller, inodeIds })).inodes;
  }

  async batchStatByPath(paths: readonly string[], followLast = true): Promise<readonly m.StatOutcome[]> {
    return (await this.#call(m.metaBatchStatByPath, { caller: this.caller, paths, followLast })).results;
  }

  async create(path: string, options: { perm?: number; exclusive?: boolean; sessionId?: string } = {}): Promise<Inode> {
    return (await this.#call(m.metaCreate, { caller: this.caller, requestId: this.newRequestId(), path, ...options })).inode;
  }

  async open(path: string, options: { sessionId?: string } = {}): Promise<Inode> {
    return (await this.#call(m.metaOpen, { caller: this.caller, path, ...options })).inode;
  }

  async close(inodeId: InodeId, options: { sessionId?: string; lengthHintBytes?: number; truncateVersion?: number; updateLength?: boolean } = {}): Promise<Inode> {
    return (await this.#call(m.metaClose, { caller: this.caller, inodeId, ...options }, inodeId)).inode;
  }

  async sync(inodeId: InodeId, options: { lengthHintBytes?: number; truncateVersion?: number; updateLength?: boolean } = {}): Promise<Inode> {
    return (await this.#call(m.metaSync, { caller: this.caller, inodeId, ...options }, inodeId)).inode;
  }

  async mkdirs(path: string, options: { perm?: number; recursive?: boolean; layout?: DirectoryLayout } = {}): Promise<Inode> {
    return (await this.#call(m.metaMkdirs, { caller: this.caller, requestId: this.newRequestId(), path, ...options })).inode;
  }

  async symlink(path: string, target: string): Promise<Inode> {
    return (await this.#call(m.metaSymlink, { caller: this.caller, requestId: this.newRequestId(), path, target })).inode;
  }

  async hardLink(oldPath: string, newPath: string): Promise<Inode> {
    return (await this.#call(m.metaHardLink, { caller: this.caller, requestId: this.newRequestId(), oldPath, newPath })).inode;
  }

  async remove(path: string, options: { recursive?: boolean; expect?: 'directory' | 'file'; trashExpireNs?: number } = {}): Promise<void> {
    await this.#call(m.metaRemove, { caller: this.caller, requestId: this.newRequestId(), path, ...options });
  }

  async rename(srcPath: string, dstPath: string): Promise<void> {
    await this.#call(m.metaRename, { caller: this.caller, requestId: this.newRequestId(), srcPath, dstPath });
  }

  async list(path: string, options: { afterName?: string; limit?: number } = {}): Promise<m.ListReply> {
    return this.#call(m.metaList, { caller: this.caller, path, ...options });
  }

  /** Every entry of a directory, page by page. */
  async listAll(path: string): Promise<DirEntry[]> {
    const all: DirEntry[] = [];
    let afterName: string | undefined;
    for (;;) {
      const page = await this.list(path, { ...(afterName !== undefined ? { afterName } : {}), limit: 1024 });
      all.push(...page.entries);
      if (!page.more || page.entries.length === 0) return all;
      afterName = page.entries[page.entries.length - 1]!.name;
    }
  }

  async setAttr(path: string, attrs: Omit<m.SetAttrRequest, 'caller' | 'requestId' | 'path'>): Promise<Inode> {
    return (await this.#call(m.metaSetAttr, { caller: this.caller, requestId: this.newRequestId(), path, ...attrs })).inode;
  }

  async truncate(target: { path: string } | { inodeId: InodeId }, lengthBytes: number): Promise<Inode> {
    return (await this.#call(m.metaTruncate, { caller: this.caller, requestId: this.newRequestId(), ...target, lengthBytes })).inode;
  }

  async realPath(path: string): Promise<string> {
    return (await this.#call(m.metaGetRealPath, { caller: this.caller, path })).path;
  }

  async statFs(): Promise<StatFs> {
    return this.#call(m.metaStatFs, { caller: this.caller });
  }

  async #call<Req, Res>(method: RpcMethod<Req, Res>, request: Req, ownerInode?: InodeId): Promise<Res> {
    const deadlineNs = this.env.clock.now() + this.#totalTimeoutNs;
    const order = ownerInode === undefined ? undefined : ownerFirst(ownerInode, this.#servers);
    let lastError: FlyerError | undefined;
    for (let attempt = 0; ; attempt++) {
      const remainingNs = deadlineNs - this.env.clock.now();
      if (remainingNs <= 0) throw new FlyerError('META_NO_SERVER', `${method.name}: ${attempt} attempts: ${lastError?.message ?? ''}`, { cause: lastError });
      const server = order ? order[attempt % order.length]! : this.#servers[this.#next++ % this.#servers.length]!;
      try {
        return await this.env.rpc.call(server, method, request, { timeoutNs: Math.min(remainingNs, this.#attemptTimeoutNs) });
      } catch (error) {
        const coded = toFlyerError(error);
        if (!isFlyerError(coded) || !RETRYABLE.has(coded.code)) throw coded;
        lastError = coded;
        const backoffNs = Math.min(this.#backoffNs * 2 ** Math.min(attempt, 6), 1_000_000_000) * (0.5 + this.#random.next());
        await this.env.clock.sleep(Math.min(backoffNs, Math.max(0, deadlineNs - this.env.clock.now())));
      }
    }
  }
}

/** The inode's rendezvous owner first, then the rest in a fixed order (failover). */
function ownerFirst(inodeId: InodeId, servers: readonly NodeId[]): NodeId[] {
  const owner = ownerOf(inodeId, servers);
  return owner === undefined ? [...servers] : [owner, ...servers.filter((s) => s !== owner)];
}
