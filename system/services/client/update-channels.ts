import type { Env } from '../../env/types.ts';
import { Semaphore } from '../common/semaphore.ts';

/**
 * Update channels for exactly-once writes (3fs-notes §1.3 step 2). A write takes a free channel and the
 * channel's next sequence number, and keeps both across every retry; the storage service remembers per
 * (client, chain, channel) the last seq and its result, so a retried write applies at most once.
 * The pool bounds how many writes one client has in flight.
 *
 * Sequence numbers start again at 1 with every client instance, and storage targets remember the last
 * one durably (update-ledger.ts), so each instance writes under its own identity, as 3FS clients do
 * with a fresh client UUID: a restarted process reusing its node name is not taken for a stale writer.
 */
export interface ChannelLease {
  readonly channelId: number;
  readonly seq: number;
  release(): void;
}

export class UpdateChannels {
  readonly #free: number[] = [];
  readonly #seqs: number[];
  readonly #slots: Semaphore;

  /** @param writerId the identity update tags carry (see writerIdOf). */
  constructor(readonly channelCount = 64, readonly writerId = '') {
    this.#seqs = new Array<number>(channelCount).fill(0);
    for (let id = channelCount; id >= 1; id--) this.#free.push(id);
    this.#slots = new Semaphore(channelCount);
  }

  async acquire(): Promise<ChannelLease> {
    await this.#slots.acquire();
    const channelId = this.#free.pop()!;
    const seq = ++this.#seqs[channelId - 1]!;
    let released = false;
    return {
      channelId,
      seq,
      release: () => {
        if (released) return;
        released = true;
        this.#free.push(channelId);
        this.#slots.release();
      },
    };
  }
}

/** A client instance's writer identity: its name, the (virtual) wall time and a draw, unique per instance. */
export function writerIdOf(env: Env, clientId: string): string {
  return `${clientId}#${env.clock.wallNs().toString(36)}.${env.random('storage-client.writer-id').int(2 ** 31).toString(36)}`;
}
