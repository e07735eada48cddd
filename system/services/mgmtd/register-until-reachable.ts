import { isFlyerError } from '../../env/errors.ts';
import type { Env } from '../../env/types.ts';
import type { MgmtdClient } from './mgmtd-client.ts';
import type { NodeType } from './types.ts';

/**
 * Registers this node with the manager, retrying until one answers: processes of a cluster start in any
 * order, and a storage node started before its manager just waits (logging every few attempts) rather
 * than failing. Only a refusal of the request itself (bad input) is final.
 */
export async function registerUntilReachable(env: Env, mgmtd: MgmtdClient, type: NodeType, options: {
  readonly retryNs: number;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const startedNs = env.clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await mgmtd.registerNode(type);
      env.log.info('registered with the manager', { type, attempts: attempt, primary: mgmtd.primary });
      return;
    } catch (error) {
      if (!isFlyerError(error) || error.code === 'INVALID_ARGUMENT') throw error;
      if (attempt === 1 || attempt % 10 === 0) {
        env.log.warn('no manager answered yet; retrying', {
          attempts: attempt, waitedMs: Math.round((env.clock.now() - startedNs) / 1e6), error: error.fullCode,
        });
      }
      await env.clock.sleep(options.retryNs, options.signal);
    }
  }
}
