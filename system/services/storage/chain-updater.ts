/**
 * The CRAQ update of one chunk on this node (3fs-notes §1.3 write steps 3-8, 3FS handleUpdate): take
 * the chunk lock, re-check the chain version, apply the update as a pending version, forward it down
 * the chain, commit once the successor has committed (the tail commits first), check that the
 * successor's chunk checksum matches ours, release the lock. The same code serves client writes at the
 * head and updates forwarded by a predecessor.
 */
import type { ChunkStore } from '../../env/chunk-store.ts';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { RandomStream } from '../../env/random.ts';
import type { Env } from '../../env/types.ts';
import type { LocalChainView } from './chain-view.ts';
import type { ChunkLocks } from './chunk-locks.ts';
import type { Forwarder } from './forwarder.ts';
import { isDiskError, type LocalTargets } from './local-targets.ts';
import type { IoResult } from './messages.ts';
import type { TargetStates } from './target-states.ts';
import { checkPosition, ioResult, type UpdateJob } from './update-job.ts';

export class ChainUpdater {
  readonly #random: RandomStream;

  constructor(
    private readonly env: Env,
    private readonly targets: LocalTargets,
    private readonly locks: ChunkLocks,
    private readonly states: TargetStates,
    private readonly forwarder: Forwarder,
  ) {
    this.#random = env.random('storage.update');
  }

  async run(job: UpdateJob): Promise<IoResult> {
    const release = await this.locks.acquire(`${job.target.targetId}/${job.key.chunkId}`);
    job.target.writesInFlight++;
    try {
      return await this.#locked(job);
    } catch (error) {
      if (isDiskError(error)) this.states.diskFailed(job.target, error);
      throw error;
    } finally {
      job.target.writesInFlight--;
      release();
    }
  }

  async #locked(job: UpdateJob): Promise<IoResult> {
    // The chain may have changed while this update waited for the lock.
    const view = checkPosition(this.targets, job, job.key.chainVersion);
    const store = job.target.requireStore();
    await this.#maybeDelay('storage.delay-before-update');
    let pendingVersion: number | undefined;
    try {
      const meta = await store.update({
        chunkId: job.chunkId,
        update: job.update,
        updateVersion: job.updateVersion,
        chainVersion: view.chainVersion,
        chunkSizeBytes: job.chunkSizeBytes,
      });
      pendingVersion = meta.updateVersion;
    } catch (error) {
      if (job.origin === 'forward' && isFlyerError(error, 'CHUNK_COMMITTED_UPDATE')) {
        // A retry of an update committed here before (its reply was lost): success, as in 3FS.
        this.env.sometimes('storage: a successor had already committed a retried update');
        return this.#alreadyCommitted(job, store, view);
      }
      // Removes are idempotent: a chunk already gone here (a retried remove, or a replica that never
      // had it) is no error, and the remove still goes on, since replicas further down may hold it.
      const missingRemove = job.update.kind === 'remove' && isFlyerError(error, 'CHUNK_NOT_FOUND');
      if (!missingRemove) throw error;
      this.env.sometimes('storage: a remove found its chunk already gone');
    }
    const forwarded = await this.forwarder.forward(job, pendingVersion ?? job.updateVersion);
    // Commit under the chain version this node routed by: the successor may answer with an older one
    // (a result it had cached), and the chunk may already carry a newer one than that.
    const commitChainVersion = forwarded.chainVersion;
    if (pendingVersion === undefined) {
      return ioResult(job, { commitVersion: job.updateVersion, updateVersion: job.updateVersion, crc32c: 0, commitChainVersion });
    }
    await this.#maybeDelay('storage.delay-before-commit');
    const committed = await store.commit(job.chunkId, pendingVersion, commitChainVersion);
    // Our store reports the committed checksum only, so the comparison follows the commit; a mismatch
    // means the replicas diverged, which no retry repairs (3FS: kChecksumMismatch).
    if (forwarded.kind === 'forwarded' && job.update.kind !== 'remove' && forwarded.result.crc32c !== committed.crc32c) {
      this.env.log.error('storage replicas disagree on a chunk checksum', {
        chunkId: job.key.chunkId, targetId: job.target.targetId, local: committed.crc32c, successor: forwarded.result.crc32c,
      });
      throw new FlyerError('STORAGE_CHECKSUM_MISMATCH', `chunk ${job.key.chunkId} version ${pendingVersion}: local ${committed.crc32c}, successor ${forwarded.result.crc32c}`);
    }
    this.env.metrics.counter('storage_updates_committed', { origin: job.origin }).add();
    return ioResult(job, { commitVersion: committed.commitVersion, updateVersion: pendingVersion, crc32c: committed.crc32c, commitChainVersion });
  }

  async #alreadyCommitted(job: UpdateJob, store: ChunkStore, view: LocalChainView): Promise<IoResult> {
    const meta = await store.meta(job.chunkId);
    return ioResult(job, {
      commitVersion: meta?.commitVersion ?? job.updateVersion,
      updateVersion: job.updateVersion,
      crc32c: meta?.crc32c ?? 0,
      commitChainVersion: view.chainVersion,
    });
  }

  async #maybeDelay(site: string): Promise<void> {
    if (this.env.buggify(site)) await this.env.clock.sleep(this.#random.int(20_000_000));
  }
}
