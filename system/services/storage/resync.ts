/**
 * Resync of a returning target, predecessor side (3fs-notes §1.3 "Resync", 3FS ResyncWorker): for each
 * chain where this node's target is SERVING and its successor SYNCING, fetch the successor's chunk
 * metadata (syncStart), diff it with ours, send every chunk that differs as a full-chunk replace (or a
 * remove) under the chunk lock while live writes go on, then tell the successor it is done (syncDone):
 * it marks itself UPTODATE and the manager makes it SERVING.
 */
import type { ChunkId, ChunkMeta, ChunkStore } from '../../env/chunk-store.ts';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { RandomStream } from '../../env/random.ts';
import type { Env } from '../../env/types.ts';
import { chunkIdFromHex, chunkIdHex } from '../common/chunk-key.ts';
import type { ChainNeighbour, LocalChainView } from './chain-view.ts';
import { EMPTY_CONTENT } from './chunk-content.ts';
import type { ChunkLocks } from './chunk-locks.ts';
import { isDiskError, type LocalTarget, type LocalTargets } from './local-targets.ts';
import {
  storageSyncDone, storageSyncStart, storageUpdate, toWireMeta, type ForwardRequest, type UpdateTag, type WireChunkMeta,
} from './messages.ts';
import type { ResolvedOptions } from './options.ts';
import { LEDGER_ENTRIES_PER_CHUNK_MAX } from './request-checks.ts';
import type { TargetStates } from './target-states.ts';

/** Resync traffic uses channel 0, which the exactly-once table never records. */
export const RESYNC_TAG: UpdateTag = { clientId: 'resync', channelId: 0, seq: 0 };

export interface ResyncItem {
  readonly chunkId: string;
  /** The successor has the chunk: if ours turns out to be gone, it gets a remove. */
  readonly remoteHas: boolean;
}

/**
 * The chunks to send, in id order (3FS's rules, except that where 3FS gives up on a replica holding a
 * newer chain version than ours, we overwrite it: the predecessor is SERVING and authoritative).
 */
export function resyncPlan(local: readonly WireChunkMeta[], remote: readonly WireChunkMeta[], fullSync: boolean, env?: Env): ResyncItem[] {
  const remoteById = new Map(remote.map((m) => [m.chunkId, m]));
  const localIds = new Set<string>();
  const items: ResyncItem[] = [];
  for (const l of local) {
    localIds.add(l.chunkId);
    const r = remoteById.get(l.chunkId);
    // A chunk with a local pending version is being written: that write may have decided before the
    // successor turned SYNCING that this node is the tail, and commit after this listing, so it is sent
    // under the chunk lock, which waits for the write to finish.
    const writing = l.updateVersion !== l.commitVersion;
    const send = r === undefined || fullSync || writing || r.updateVersion !== r.commitVersion ||
      l.chainVersion !== r.chainVersion || l.commitVersion !== r.commitVersion || l.crc32c !== r.crc32c || l.lengthBytes !== r.lengthBytes;
    env?.sometimes('storage: resync met a chunk being written', writing);
    env?.sometimes('storage: resync found a chunk stamped with a newer chain version on the successor', r !== undefined && l.commitVersion > 0 && r.chainVersion > l.chainVersion);
    if (send) items.push({ chunkId: l.chunkId, remoteHas: r !== undefined });
  }
  for (const r of remote) if (!localIds.has(r.chunkId)) items.push({ chunkId: r.chunkId, remoteHas: true });
  return items.sort((a, b) => (a.chunkId < b.chunkId ? -1 : a.chunkId > b.chunkId ? 1 : 0));
}

const LIST_PAGE = 4096;
const FIRST_ID = new Uint8Array(16);
const PAST_LAST_ID = new Uint8Array(16).fill(0xff);

/** Every chunk's metadata in id order, read page by page. */
export async function listAllMetas(store: ChunkStore): Promise<ChunkMeta[]> {
  const out: ChunkMeta[] = [];
  let from: ChunkId | undefined = FIRST_ID;
  while (from) {
    const page = await store.list(from, PAST_LAST_ID, LIST_PAGE);
    out.push(...page);
    from = page.length < LIST_PAGE ? undefined : nextId(page[page.length - 1]!.chunkId);
  }
  return out;
}

export function wireMetas(metas: readonly ChunkMeta[]): WireChunkMeta[] {
  return metas.map((m) => toWireMeta(m, chunkIdHex(m.chunkId)));
}

function nextId(id: ChunkId): ChunkId | undefined {
  const next = new Uint8Array(id);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 0xff) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  return undefined;
}

/** The size class a resent chunk is stored in: the chunk's own size is not in its metadata. */
function chunkSizeFor(lengthBytes: number): number {
  let size = 64 * 1024;
  while (size < lengthBytes) size *= 2;
  return size;
}

export class ResyncWorker {
  readonly #running = new Set<number>();
  readonly #lastTryNs = new Map<string, number>();
  readonly #done = new Set<string>();
  readonly #random: RandomStream;
  #stopped = false;

  constructor(
    private readonly env: Env,
    private readonly targets: LocalTargets,
    private readonly locks: ChunkLocks,
    private readonly states: TargetStates,
    private readonly options: ResolvedOptions['resync'],
  ) {
    this.#random = env.random('storage.resync');
  }

  start(): void {
    void this.#loop();
  }

  stop(): void {
    this.#stopped = true;
  }

  /** Looks for chains to resync now (the routing changed). */
  kick(): void {
    if (!this.#stopped) this.#scan();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#scan();
      await this.env.clock.sleep(this.options.scanIntervalNs);
    }
  }

  #scan(): void {
    const routing = this.targets.current();
    if (!routing) return;
    for (const target of this.targets.all) {
      if (target.phase !== 'active' || target.localState !== 'UPTODATE') continue;
      const view = this.targets.viewOf(target, routing);
      const successor = view?.successor;
      if (!view || view.publicState !== 'SERVING' || successor?.publicState !== 'SYNCING') continue;
      const key = `${view.chainId}/${successor.targetId}/${view.chainVersion}`;
      const lastNs = this.#lastTryNs.get(key);
      if (this.#running.has(view.chainId) || this.#done.has(key)) continue;
      if (lastNs !== undefined && this.env.clock.now() - lastNs < this.options.retryAfterNs) continue;
      this.#lastTryNs.set(key, this.env.clock.now());
      this.#running.add(view.chainId);
      void this.#sync(target, view, successor, key).finally(() => this.#running.delete(view.chainId));
    }
  }

  async #sync(target: LocalTarget, view: LocalChainView, successor: ChainNeighbour, key: string): Promise<void> {
    const request = { chainId: view.chainId, chainVersion: view.chainVersion, targetId: successor.targetId };
    const timeoutNs = this.options.callTimeoutNs;
    try {
      const remote = await this.env.rpc.call(successor.nodeId, storageSyncStart, request, { timeoutNs });
      const local = wireMetas(await listAllMetas(target.requireStore()));
      const items = resyncPlan(local, remote.metas, this.options.fullSync, this.env);
      this.env.log.info('storage resync started', { chainId: view.chainId, to: successor.targetId, chunks: items.length, remoteChunks: remote.metas.length });
      let next = 0;
      let failure: unknown;
      const worker = async (): Promise<void> => {
        while (next < items.length && failure === undefined && !this.#stopped) {
          const item = items[next++]!;
          await this.#syncChunk(target, view, successor, item).catch((error: unknown) => (failure ??= error));
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.options.concurrency, items.length) }, worker));
      if (failure !== undefined) throw failure;
      this.#checkUnchanged(target, view, successor);
      await this.env.rpc.call(successor.nodeId, storageSyncDone, request, { timeoutNs });
      this.#done.add(key);
      this.env.metrics.counter('storage_resyncs_done').add();
      this.env.log.info('storage resync done', { chainId: view.chainId, to: successor.targetId, chunks: items.length });
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      if (isDiskError(error)) this.states.diskFailed(target, error);
      this.env.log.warn('storage resync failed; it will be retried', { chainId: view.chainId, to: successor.targetId, error: error.message });
    }
  }

  /** Sends one chunk (or its removal) under its lock, so it cannot interleave with a live write of it. */
  async #syncChunk(target: LocalTarget, view: LocalChainView, successor: ChainNeighbour, item: ResyncItem): Promise<void> {
    const chunkId = chunkIdFromHex(item.chunkId);
    const release = await this.locks.acquire(`${target.targetId}/${item.chunkId}`);
    let lent: (() => void) | undefined;
    try {
      this.#checkUnchanged(target, view, successor);
      this.env.sometimes('storage: resync sent a chunk while writes continued', target.writesInFlight > 0);
      const store = target.requireStore();
      const meta = await store.meta(chunkId);
      const committed = meta !== undefined && meta.commitVersion > 0;
      if (!committed && !item.remoteHas) return;
      const base = {
        key: { chainId: view.chainId, chainVersion: view.chainVersion, chunkId: item.chunkId },
        offsetBytes: 0,
        tag: RESYNC_TAG,
        fromTargetId: target.targetId,
        syncing: true,
        // The updates the chunk holds travel with it, so a retry of one is recognised there too.
        ledger: target.requireLedger().entriesOf(item.chunkId).slice(-LEDGER_ENTRIES_PER_CHUNK_MAX),
      };
      // Lent bytes (the native engine's pooled or mapped reads) go back once the call is over: by then
      // the request has been written, and a copy still queued from a failed attempt would carry changed
      // bytes only if the slot was reused, which the successor's frame checksum rejects.
      const read = committed && meta.lengthBytes > 0 ? await store.read(chunkId, 0, meta.lengthBytes) : undefined;
      lent = read?.release;
      const request: ForwardRequest = committed
        ? {
          ...base,
          kind: 'replace',
          payload: read?.payload ?? EMPTY_CONTENT,
          chunkSizeBytes: chunkSizeFor(meta.lengthBytes),
          updateVersion: meta.commitVersion,
        }
        : { ...base, kind: 'remove', chunkSizeBytes: chunkSizeFor(0), updateVersion: 0 };
      if (this.env.buggify('storage.resync-slow-chunk')) await this.env.clock.sleep(this.#random.int(20_000_000));
      const result = await this.env.rpc.call(successor.nodeId, storageUpdate, request, { timeoutNs: this.options.callTimeoutNs });
      if (committed && result.crc32c !== meta.crc32c) {
        throw new FlyerError('STORAGE_CHECKSUM_MISMATCH', `resync of chunk ${item.chunkId}: local ${meta.crc32c}, successor ${result.crc32c}`);
      }
      this.env.metrics.counter('storage_resync_chunks').add();
    } finally {
      lent?.();
      release();
    }
  }

  /** A resync belongs to one chain version: if the chain moved on, it starts over under the new one. */
  #checkUnchanged(target: LocalTarget, view: LocalChainView, successor: ChainNeighbour): void {
    const now = this.targets.viewOf(target);
    if (now?.chainVersion !== view.chainVersion || now.successor?.targetId !== successor.targetId || now.successor.publicState !== 'SYNCING') {
      throw new FlyerError('STORAGE_ROUTING_VERSION_MISMATCH', `chain ${view.chainId} changed during its resync`);
    }
  }
}
