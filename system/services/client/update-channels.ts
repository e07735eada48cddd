import { Semaphore } from '../common/semaphore.ts';

/**
 * Update channels for exactly-once writes (3fs-notes §1.3 step 2). A write takes a free channel and the
 * channel's next sequence number, and keeps both across every retry; the storage service remembers per
 * (client, chain, channel) the last seq and its result, so a retried write applies at most once.
 * The pool bounds how many writes one client has in flight.
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

  constructor(readonly channelCount = 64) {
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
