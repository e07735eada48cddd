/**
 * The pending versions this node's updates left behind (3fs-notes §1.3: 3FS's head re-forwards a
 * pending update with the same version). An update applies its pending version, forwards it, then
 * commits; when the forward or the commit fails, the pending version stays on this replica and maybe
 * on others, and further down the chain it may even be committed already. Nothing may then take that
 * version for another update (the successors would answer "already committed" for content they do not
 * hold), and the chain must not stay uncommitted. So each one is remembered with the update that made
 * it, for the head to drive it to commit again: before the chunk's next update, when the same client
 * update is retried (it resumes instead of applying again), or in the background (update-redriver.ts).
 *
 * In memory only: a restarted target is resynced before it serves again, and the resync replaces every
 * chunk of it that has a pending version (resync.ts), so the record is not needed past a restart (the
 * simulated store drops pending versions in a crash; the native engine keeps them until that resync).
 */
import type { UpdateJob } from './update-job.ts';

export interface Unfinished {
  readonly job: UpdateJob;
  /** 32 hex digits, as the ledger and locks name chunks. */
  readonly chunkId: string;
  readonly updateVersion: number;
  /** The update that applied it has failed (not merely still running). */
  failed: boolean;
}

export class UnfinishedUpdates {
  readonly #entries = new Map<string, Unfinished>();

  constructor(readonly entriesMax: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** `job` applied pending version `updateVersion` of the chunk: it replaces whatever was pending there. */
  applied(job: UpdateJob, chunkId: string, updateVersion: number): void {
    const key = keyOf(job.target.targetId, chunkId);
    this.#entries.delete(key);
    this.#entries.set(key, { job, chunkId, updateVersion, failed: false });
    // Bounded: the oldest go first; losing one only delays its chunk's commit until its next update.
    while (this.#entries.size > this.entriesMax) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** That pending version committed (or was replaced): nothing is left to drive. */
  settled(targetId: number, chunkId: string, updateVersion: number): void {
    const key = keyOf(targetId, chunkId);
    if (this.#entries.get(key)?.updateVersion === updateVersion) this.#entries.delete(key);
  }

  failed(targetId: number, chunkId: string, updateVersion: number): void {
    const entry = this.#entries.get(keyOf(targetId, chunkId));
    if (entry?.updateVersion === updateVersion) entry.failed = true;
  }

  get(targetId: number, chunkId: string): Unfinished | undefined {
    return this.#entries.get(keyOf(targetId, chunkId));
  }

  /** Entries whose update failed, oldest first. */
  failedEntries(): Unfinished[] {
    return [...this.#entries.values()].filter((entry) => entry.failed);
  }
}

function keyOf(targetId: number, chunkId: string): string {
  return `${targetId}/${chunkId}`;
}
