import type { MooncakeRecord } from './trace-record.ts';

export type AssignMode = 'session' | 'round-robin';

/**
 * Which client serves each request. Every client runs this over the whole trace and keeps its own share,
 * so all agree without talking.
 *
 * 'session' is what a prefix-aware scheduler does: a request that continues an earlier one (its known
 * prefix ends where that request's blocks ended, i.e. the next turn of a conversation) goes to the same
 * client; a request that only shares a common head (a system prompt: the known prefix ends inside someone
 * else's blocks) starts a new session and goes round-robin. Mooncake's conversation trace puts block 0 in
 * every request, so hashing the first block would send everything to one client.
 */
export function routeRequests(records: readonly MooncakeRecord[], clientCount: number, mode: AssignMode): number[] {
  if (mode === 'round-robin') return records.map((_, index) => index % clientCount);
  const seen = new Set<number>();
  /**
   * The last and last-but-one block of earlier requests -> their client, for blocks those requests
   * introduced (a turn's partial last block is not repeated by the next turn, its last full one is).
   * Only introduced blocks count: a short request ending in the shared head must not claim the head.
   */
  const tipClient = new Map<number, number>();
  let nextNew = 0;
  return records.map((record) => {
    const ids = record.hash_ids;
    let known = 0;
    while (known < ids.length && seen.has(ids[known]!)) known++;
    const continued = known > 0 ? tipClient.get(ids[known - 1]!) : undefined;
    const client = continued ?? nextNew++ % clientCount;
    for (const tip of ids.slice(-2)) if (!seen.has(tip)) tipClient.set(tip, client);
    for (const id of ids) seen.add(id);
    return client;
  });
}
