/**
 * The CRAQ update of one chunk on this node (3fs-notes §1.3 write steps 3-8, 3FS handleUpdate): take
 * the chunk lock, re-check the chain version, apply the update as a pending version, forward it down
 * the chain, commit once the successor has committed (the tail commits first), check that the
 * successor's chunk checksum matches ours, release the lock. The same code serves client writes at the
 * head and updates forwarded by a predecessor.
 *
 * At the head a client update first settles what earlier attempts left (head-settlement.ts): a retry
 * the update ledger shows applied is answered, and a pending version a failed update left is driven
 * to commit before the chunk takes another version.
 */
import type { ChunkStore } from '../../env/chunk-store.ts';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { RandomStream } from '../../env/random.ts';
import type { Env } from '../../env/types.ts';
import type { LocalChainView } from './chain-view.ts';
import type { ChunkLocks } from './chunk-locks.ts';
import type { Forwarder } from './forwarder.ts';
import { redriveJob, settleAtHead } from './head-settlement.ts';
import { isDiskError, type LocalTargets } from './local-targets.ts';
import type { IoResult } from './messages.ts';
import type { TargetStates } from './target-states.ts';
import type { Unfinished, UnfinishedUpdates } from './unfinished-updates.ts';
import { checkPosition, ioResult, type UpdateJob } from './update-job.ts';

export class ChainUpdater {
  readonly #random: RandomStream;

  constructor(
    private readonly env: Env,
    private readonly targets: LocalTargets,
    private readonly locks: ChunkLocks,
    private readonly states: TargetStates,
    private readonly forwarder: Forwarder,
    readonly unfinished: UnfinishedUpdates,
  ) {
    this.#random = env.random('storage.update');
  }

  async run(job: UpdateJob): Promise<IoResult> {
    return this.#withLock(job, async () => {
      // The chain may have changed while this update waited for the lock.
      const view = checkPosition(this.targets, job, job.key.chainVersion);
      const store = job.target.requireStore();
      if (job.origin === 'client') {
        const redrive = (left: Unfinished): Promise<IoResult> => this.#apply(redriveJob(left), store, view, left.updateVersion);
        const settled = await settleAtHead({ env: this.env, job, store, view, unfinished: this.unfinished, redrive });
        if (settled) return settled;
      }
      return this.#apply(job, store, view, job.updateVersion);
    });
  }

  /**
   * Drives a pending version a failed update left to commit, with the version it already has (the
   * background half of head-settlement.ts). Only a head does: it resolves its successors' copies too.
   */
  async redrive(left: Unfinished): Promise<void> {
    const job = redriveJob(left);
    await this.#withLock(job, async () => {
      if (this.unfinished.get(job.target.targetId, left.chunkId) !== left) return; // settled meanwhile
      const view = checkPosition(this.targets, job);
      const store = job.target.requireStore();
      const meta = await store.meta(job.chunkId);
      if (meta?.updateVersion !== left.updateVersion || meta.commitVersion >= left.updateVersion) {
        this.unfinished.settled(job.target.targetId, left.chunkId, left.updateVersion);
        return;
      }
      this.env.sometimes('storage: a head re-drove a pending version a failed update left');
      await this.#apply(job, store, view, left.updateVersion);
    });
  }

  async #withLock<T>(job: UpdateJob, body: () => Promise<T>): Promise<T> {
    const release = await this.locks.acquire(`${job.target.targetId}/${job.key.chunkId}`);
    job.target.writesInFlight++;
    try {
      return await body();
    } catch (error) {
      if (isDiskError(error)) this.states.diskFailed(job.target, error);
      throw error;
    } finally {
      job.target.writesInFlight--;
      release();
    }
  }

  /** Applies `job` as pending version (`requestVersion`, or the store's choice for 0), forwards it, commits it. */
  async #apply(job: UpdateJob, store: ChunkStore, view: LocalChainView, requestVersion: number): Promise<IoResult> {
    const ledger = job.target.requireLedger();
    await this.#maybeDelay('storage.delay-before-update');
    let pendingVersion: number | undefined;
    try {
      const meta = await store.update({
        chunkId: job.chunkId,
        update: job.update,
        updateVersion: requestVersion,
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
    const chunkId = job.key.chunkId;
    // The ledger must know what a version holds before that version can commit anywhere it could be
    // read from here; writing it meanwhile costs the forward no time.
    let noted: Promise<void> = Promise.resolve();
    if (job.ledger !== undefined) noted = ledger.replaceChunk(chunkId, job.ledger);
    else if (pendingVersion !== undefined) noted = ledger.applied(chunkId, pendingVersion, job.tag);
    if (pendingVersion !== undefined) this.unfinished.applied(job, chunkId, pendingVersion);
    try {
      const [, forwarded] = await Promise.all([noted, this.forwarder.forward(job, pendingVersion ?? requestVersion)]);
      // Commit under the chain version this node routed by: the successor may answer with an older one
      // (a result it had cached), and the chunk may already carry a newer one than that.
      const commitChainVersion = forwarded.chainVersion;
      if (pendingVersion === undefined) {
        return ioResult(job, { commitVersion: job.updateVersion, updateVersion: job.updateVersion, crc32c: 0, commitChainVersion });
      }
      await this.#maybeDelay('storage.delay-before-commit');
      const committed = await store.commit(job.chunkId, pendingVersion, commitChainVersion);
      this.unfinished.settled(job.target.targetId, chunkId, pendingVersion);
      // Our store reports the committed checksum only, so the comparison follows the commit; a mismatch
      // means the replicas diverged, which no retry repairs (3FS: kChecksumMismatch).
      if (forwarded.kind === 'forwarded' && job.update.kind !== 'remove' && forwarded.result.crc32c !== committed.crc32c) {
        this.env.log.error('storage replicas disagree on a chunk checksum', {
          chunkId, targetId: job.target.targetId, local: committed.crc32c, successor: forwarded.result.crc32c,
        });
        throw new FlyerError('STORAGE_CHECKSUM_MISMATCH', `chunk ${chunkId} version ${pendingVersion}: local ${committed.crc32c}, successor ${forwarded.result.crc32c}`);
      }
      this.env.metrics.counter('storage_updates_committed', { origin: job.origin }).add();
      return ioResult(job, { commitVersion: committed.commitVersion, updateVersion: pendingVersion, crc32c: committed.crc32c, commitChainVersion });
    } catch (error) {
      if (pendingVersion !== undefined) this.unfinished.failed(job.target.targetId, chunkId, pendingVersion);
      throw error;
    }
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
