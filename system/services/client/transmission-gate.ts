import type { Env } from '../../env/types.ts';
import { Semaphore } from '../common/semaphore.ts';
import { rdmaControlApply } from '../storage/messages.ts';

/**
 * The client side of request-to-send (3fs-notes §2): storage nodes ask for a token before pushing read
 * data into this client; at most `maxConcurrentTransmission` may push at once. A token is tied to the
 * batch-read request id and comes back when that request's response (or failure) is seen, which bounds
 * N-to-1 incast into this client's NIC.
 */
export class TransmissionGate {
  readonly #tokens: Semaphore;
  readonly #held = new Map<number, number>();

  constructor(env: Env, readonly maxConcurrentTransmission = 64) {
    this.#tokens = new Semaphore(maxConcurrentTransmission);
    env.rpc.serve(rdmaControlApply, async ({ requestId }) => {
      await this.#tokens.acquire();
      this.#held.set(requestId, (this.#held.get(requestId) ?? 0) + 1);
      env.metrics.counter('client_rts_grants').add();
      return { granted: true };
    });
  }

  get inFlight(): number {
    return this.maxConcurrentTransmission - this.#tokens.available;
  }

  /** The response (or failure) of `requestId` arrived: return every token it held. */
  complete(requestId: number): void {
    const held = this.#held.get(requestId) ?? 0;
    this.#held.delete(requestId);
    for (let i = 0; i < held; i++) this.#tokens.release();
  }
}
