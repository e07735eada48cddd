import { setTimeout as sleep } from 'node:timers/promises';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import { latestTable } from '../../services/meta/chain-allocator.ts';
import { metaStat } from '../../services/meta/messages.ts';
import type { DirectoryInode } from '../../services/meta/types.ts';
import { formatBytes } from '../config/byte-size.ts';
import { withFs } from '../fs/fs-session.ts';
import type { Progress } from '../progress.ts';
import { metaServersOf, readManifest } from './cluster-manifest.ts';

const POLL_MS = 200;
const CALL_TIMEOUT_NS = 1_000_000_000;

/**
 * Waits until every meta server of the cluster answers a stat of the root, as a client reaches it, and
 * checks that the chain table the root's layout names is in routing: without it no file can be created
 * (META_INVALID_LAYOUT), which `up` reports now rather than at the first write.
 */
export async function waitMetaServing(dir: string, options: { readonly timeoutMs: number; readonly progress: Progress }): Promise<void> {
  const servers = metaServersOf(readManifest(dir));
  const startedMs = performance.now();
  await withFs({ dir, timeoutMs: options.timeoutMs }, async (session) => {
    let root: DirectoryInode | undefined;
    for (const server of servers) {
      for (;;) {
        try {
          const { inode } = await session.env.rpc.call(server.id, metaStat, { caller: session.meta.caller, path: '/' }, { timeoutNs: CALL_TIMEOUT_NS });
          root = inode as DirectoryInode;
          break;
        } catch (error) {
          if (!isFlyerError(error)) throw error;
          if (performance.now() - startedMs > options.timeoutMs) {
            throw new FlyerError('CLUSTER_NOT_READY', `${server.id} did not answer a stat of / within ${options.timeoutMs} ms: ${error.message}`);
          }
          options.progress.update(`waiting for ${server.id}: ${error.fullCode}`);
          await sleep(POLL_MS);
        }
      }
    }
    if (!root) return;
    const layout = root.layout;
    const routing = session.fs.routing;
    await routing.refresh();
    try {
      latestTable(routing.current(), layout.tableId, layout.tableVersion);
    } catch (error) {
      throw new FlyerError('META_INVALID_LAYOUT', `the root directory lays files out on chain table ${layout.tableId}, which routing does not have: ${(error as Error).message}`);
    }
    options.progress.line(`${servers.map((s) => s.id).join(', ')} serving: root layout chain table ${layout.tableId}, ${formatBytes(layout.chunkSizeBytes)} chunks, stripe ${layout.stripeSize}`);
  });
}
