/**
 * Pieces shared by the chunk-operation tests: a StorageClient on the test's client node with short
 * retries, and what the tests compare replicas and ranges by.
 */
import type { RetryOptions } from '../../system/services/client/retry-policy.ts';
import { StorageClient } from '../../system/services/client/storage-client.ts';
import { chunkIdHex, chunkIdOf, fileChunkRange } from '../../system/services/common/chunk-key.ts';
import type { Env } from '../../system/env/types.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import type { TestCluster } from './cluster.ts';

const MS = 1_000_000;

export const TEST_RETRY: RetryOptions = {
  attemptTimeoutNs: 400 * MS, attemptTimeoutNsMax: 2000 * MS, totalTimeoutNs: 20_000 * MS, backoffNs: 20 * MS, backoffNsMax: 400 * MS,
};

/** The inode cluster.ts's chunkHex numbers its chunks under. */
export const INODE = 42;
export const FILE = fileChunkRange(INODE);

export function storageClient(env: Env, cluster: TestCluster, clientId = 'c1'): StorageClient {
  return new StorageClient(env, { clientId, routing: cluster.mgmtd.client(env), retry: TEST_RETRY });
}

export const chunkOf = (inodeId: number, index: number): string => chunkIdHex(chunkIdOf(inodeId, index));

/** The code a call failed with, 'ok', or the uncoded failure as text (which a test then reports). */
export const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (isFlyerError(e) ? e.code : `uncoded: ${String(e)}`));
