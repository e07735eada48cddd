/**
 * What a client update settles at the head, under the chunk lock, before it takes a version: the
 * exactly-once check against the durable update ledger (update-ledger.ts), and the pending version a
 * failed update left (unfinished-updates.ts). A retry can then only resume, never apply again:
 * - the ledger names this update on a chunk committed at or past its version: it was applied (maybe
 *   through another head, before a restart, or copied here by a resync): answered as done;
 * - a pending version this node's failed update left is driven to commit first with the version it
 *   already has, since replicas further down may have committed it; when it was this very update, that
 *   commit is its result;
 * - the ledger names a later update on the channel: this one is a stale duplicate.
 */
import type { ChunkStore } from '../../env/chunk-store.ts';
import { FlyerError } from '../../env/errors.ts';
import type { Env } from '../../env/types.ts';
import type { LocalChainView } from './chain-view.ts';
import type { IoResult, UpdateTag } from './messages.ts';
import type { Unfinished, UnfinishedUpdates } from './unfinished-updates.ts';
import { ioResult, type UpdateJob } from './update-job.ts';

export interface HeadSettlement {
  readonly env: Env;
  readonly job: UpdateJob;
  readonly store: ChunkStore;
  readonly view: LocalChainView;
  readonly unfinished: UnfinishedUpdates;
  /** Drives a left-over pending version to commit, as the head (the lock is held). */
  readonly redrive: (left: Unfinished) => Promise<IoResult>;
}

/** The result when earlier attempts settle this update; undefined when it is to be applied now. */
export async function settleAtHead({ env, job, store, view, unfinished, redrive }: HeadSettlement): Promise<IoResult | undefined> {
  const tagged = job.tag.channelId !== 0;
  const entry = tagged ? job.target.requireLedger().lookup(job.tag) : undefined;
  if (entry && entry.seq > job.tag.seq) {
    throw new FlyerError('STORAGE_DUPLICATE_UPDATE', `${job.tag.clientId} channel ${job.tag.channelId}: seq ${job.tag.seq} < applied ${entry.seq}`);
  }
  const meta = await store.meta(job.chunkId);
  if (entry?.seq === job.tag.seq && entry.chunkId === job.key.chunkId && meta && meta.commitVersion >= entry.updateVersion) {
    env.sometimes('storage: a retried write was answered from the update ledger');
    return ioResult(job, {
      commitVersion: entry.updateVersion,
      updateVersion: entry.updateVersion,
      crc32c: meta.commitVersion === entry.updateVersion ? meta.crc32c : 0,
      commitChainVersion: view.chainVersion,
    });
  }
  if (!meta || meta.updateVersion <= meta.commitVersion) return undefined;
  const left = unfinished.get(job.target.targetId, job.key.chunkId);
  if (!left || left.updateVersion !== meta.updateVersion) {
    // Not ours to drive (left by a store we reopened): the update below replaces it, as before.
    env.sometimes('storage: a head found a pending version no update on this node left');
    return undefined;
  }
  const result = await redrive(left);
  if (tagged && sameTag(left.job.tag, job.tag)) {
    env.sometimes('storage: a retried write resumed its own pending version');
    return result;
  }
  env.sometimes('storage: a head committed a failed update before the next one');
  return undefined;
}

/** The job a head drives a left-over pending version with: its own, as a client update at the head. */
export function redriveJob(left: Unfinished): UpdateJob {
  const { ledger: _resyncEntries, ...job } = left.job;
  return { ...job, origin: 'client', syncing: false };
}

function sameTag(a: UpdateTag, b: UpdateTag): boolean {
  return a.clientId === b.clientId && a.channelId === b.channelId && a.seq === b.seq;
}
