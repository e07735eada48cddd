import { toFlyerError } from '../../env/errors.ts';
import type { CommitState, OutcomeResponse } from './messages.ts';

/**
 * What became of recent commits, by the id the client gave each: the answer to "my commit's reply was
 * lost: did it happen?" (FoundationDB leaves this to the application as commit_unknown_result; here the
 * service remembers). Asking about an id never seen fences it off as `never`, so a commit request still
 * wandering the network cannot be applied after the client was told it was not, and retries.
 *
 * Kept for `keepNs` and at most `entriesMax` entries (oldest dropped first): a client asks within its
 * commit budget, far shorter. A duplicate of a commit (a retransmitted request) finds its first copy's
 * entry and shares its result instead of committing twice.
 */
interface Entry {
  state: CommitState;
  readonly atNs: number;
  error?: unknown;
  /** While committing: settles with the commit. */
  done?: Promise<void>;
}

export class CommitOutcomes {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly options: { readonly keepNs: number; readonly entriesMax: number; readonly nowNs: () => number }) {}

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Runs `commit` under `commitId` unless that id was seen before: then the first run's result (or its
   * wait, while it is still committing) is the answer. A fenced id is refused with `refuse()`.
   */
  async run(commitId: string, commit: () => Promise<void>, refuse: () => Error): Promise<void> {
    const seen = this.#entries.get(commitId);
    if (seen) {
      if (seen.state === 'never') throw refuse();
      if (seen.done) await seen.done.catch(() => undefined);
      if (seen.state === 'committed') return;
      throw seen.error;
    }
    this.#collect();
    const entry: Entry = { state: 'committing', atNs: this.options.nowNs() };
    this.#entries.set(commitId, entry);
    entry.done = commit().then(
      () => { entry.state = 'committed'; },
      (error: unknown) => {
        entry.state = 'failed';
        entry.error = error;
        throw error;
      },
    ).finally(() => { delete entry.done; });
    await entry.done;
  }

  /** The outcome of `commitId`; an id never seen is fenced off and reported as `never`. */
  query(commitId: string, bootId: string): OutcomeResponse {
    let entry = this.#entries.get(commitId);
    if (!entry) {
      this.#collect();
      entry = { state: 'never', atNs: this.options.nowNs() };
      this.#entries.set(commitId, entry);
    }
    if (entry.state !== 'failed') return { bootId, state: entry.state };
    const coded = toFlyerError(entry.error);
    return { bootId, state: entry.state, errorWire: coded.wireCode, errorDetail: coded.detail };
  }

  /** Drops entries past their time, and the oldest beyond the cap (never one still committing). */
  #collect(): void {
    const horizonNs = this.options.nowNs() - this.options.keepNs;
    for (const [id, entry] of this.#entries) {
      if (entry.state === 'committing') continue;
      if (this.#entries.size < this.options.entriesMax && entry.atNs > horizonNs) break;
      this.#entries.delete(id);
    }
  }
}
