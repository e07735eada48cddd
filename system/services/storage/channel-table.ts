/**
 * Exactly-once client updates (3fs-notes §1.3 write step 2, 3FS ReliableUpdate): per (client, chain,
 * channel) the last sequence number and what became of it. A lower seq is a stale duplicate; the same
 * seq gets the cached result, or STORAGE_CHANNEL_BUSY while the first attempt still runs; a seq whose
 * attempt failed runs again. Every replica keeps one (client writes and forwarded updates alike), so a
 * new head after a chain change still answers a retry from it. Kept in memory (as 3FS does) and
 * bounded: the least recently used entries go first. What must survive a restart or a resync is in the
 * target's durable update ledger (update-ledger.ts): a failed or forgotten seq that runs again meets
 * it at the head (head-settlement.ts), so running again resumes the update rather than applying it twice.
 */
import { FlyerError } from '../../env/errors.ts';
import type { ChainId } from '../mgmtd/types.ts';
import type { IoResult, UpdateTag } from './messages.ts';

type Entry = { readonly chainId: ChainId; readonly seq: number } & (
  | { readonly state: 'running' }
  | { readonly state: 'failed' }
  | { readonly state: 'done'; readonly result: IoResult });

export type ChannelDecision = { readonly kind: 'run' } | { readonly kind: 'cached'; readonly result: IoResult };

export class ChannelTable {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly entriesMax: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Decides what to do with an incoming update; 'run' marks the channel busy until `finish`. A
   * forwarded update passes the version its predecessor gave it: a cached result of another version
   * does not answer it, because the predecessor applied the update anew (its own table had lost it)
   * and this replica must follow, or the versions of the chain would drift apart.
   */
  begin(tag: UpdateTag, chainId: ChainId, updateVersion?: number): ChannelDecision {
    const key = keyOf(tag, chainId);
    const entry = this.#entries.get(key);
    if (entry && tag.seq < entry.seq) {
      throw new FlyerError('STORAGE_DUPLICATE_UPDATE', `${tag.clientId} channel ${tag.channelId}: seq ${tag.seq} < last ${entry.seq}`);
    }
    if (entry && tag.seq === entry.seq) {
      if (entry.state === 'running') throw new FlyerError('STORAGE_CHANNEL_BUSY', `${tag.clientId} channel ${tag.channelId} seq ${tag.seq} is in flight`);
      if (entry.state === 'done' && (updateVersion === undefined || entry.result.updateVersion === updateVersion)) {
        return { kind: 'cached', result: entry.result };
      }
    }
    this.#put(key, { chainId, seq: tag.seq, state: 'running' });
    return { kind: 'run' };
  }

  /** Ends what `begin` started; a newer seq that arrived meanwhile keeps its entry. */
  finish(tag: UpdateTag, chainId: ChainId, result: IoResult | undefined): void {
    const key = keyOf(tag, chainId);
    if (this.#entries.get(key)?.seq !== tag.seq) return;
    this.#put(key, result ? { chainId, seq: tag.seq, state: 'done', result } : { chainId, seq: tag.seq, state: 'failed' });
  }

  /**
   * Forgets every entry of a chain. Called when a resync of the local target begins: the predecessor
   * is about to overwrite the chunks with its own versions, which may lack updates this table saw
   * committed here, so none of its answers can be trusted any more (a retry then simply runs again).
   */
  forgetChain(chainId: ChainId): void {
    for (const [key, entry] of this.#entries) if (entry.chainId === chainId) this.#entries.delete(key);
  }

  #put(key: string, entry: Entry): void {
    // Re-inserting moves the key to the end, so the Map's order is least recently used first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.entriesMax) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}

function keyOf(tag: UpdateTag, chainId: ChainId): string {
  return `${tag.clientId}\u0000${chainId}\u0000${tag.channelId}`;
}
