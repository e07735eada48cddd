/**
 * The background half of re-driving (unfinished-updates.ts): a pending version whose update failed
 * (the successor stayed unreachable past the forward deadline, a commit failed) would otherwise wait for
 * the chunk's next update, and a chunk nobody writes again would keep replicas that disagree forever.
 * Every scan, each such version whose target now heads its chain is driven to commit again.
 */
import { isFlyerError } from '../../env/errors.ts';
import type { Env } from '../../env/types.ts';
import type { ChainUpdater } from './chain-updater.ts';
import type { LocalTargets } from './local-targets.ts';
import type { Unfinished } from './unfinished-updates.ts';

export class UpdateRedriver {
  readonly #running = new Set<Unfinished>();
  #stopped = false;

  constructor(
    private readonly env: Env,
    private readonly targets: LocalTargets,
    private readonly updater: ChainUpdater,
    private readonly scanIntervalNs: number,
  ) {}

  start(): void {
    void this.#loop();
  }

  stop(): void {
    this.#stopped = true;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      await this.env.clock.sleep(this.scanIntervalNs);
      if (!this.#stopped) this.#scan();
    }
  }

  #scan(): void {
    const routing = this.targets.current();
    if (!routing) return;
    for (const left of this.updater.unfinished.failedEntries()) {
      const target = left.job.target;
      if (this.#running.has(left) || target.phase !== 'active' || target.localState !== 'UPTODATE') continue;
      if (!this.targets.viewOf(target, routing)?.isHead) continue;
      this.#running.add(left);
      void this.updater.redrive(left)
        .catch((error: unknown) => {
          if (!isFlyerError(error)) throw error;
          this.env.log.debug('storage re-drive of a pending version failed; it will be retried', { chunkId: left.chunkId, targetId: target.targetId, error: error.message });
        })
        .finally(() => this.#running.delete(left));
    }
  }
}
