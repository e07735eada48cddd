import { hashString53 } from '../../env/random.ts';
import type { KvStore } from '../../env/kv.ts';
import { decodeValue, encodeValue, keys, prefixEnd } from './schema.ts';

interface ServerRecord {
  readonly nodeId: string;
  readonly seenNs: number;
}

/**
 * Which meta servers are alive (3FS keeps this list in FDB under META): each server stamps its record
 * periodically; those stamped within the timeout are active. Work that one server should do per inode
 * (GC; close and sync routing on the client) goes to the inode's owner by rendezvous hashing, so when a
 * server dies only its share moves.
 */
export async function stampServer(kv: KvStore, nodeId: string, nowNs: number): Promise<void> {
  await kv.transact(async (txn) => txn.set(keys.server(nodeId), encodeValue({ nodeId, seenNs: nowNs } satisfies ServerRecord)));
}

export async function activeServers(kv: KvStore, nowNs: number, timeoutNs: number): Promise<string[]> {
  return kv.transact(async (txn) => {
    const pairs = await txn.getRange(keys.servers(), prefixEnd(keys.servers()), { snapshot: true });
    return pairs.map((pair) => decodeValue<ServerRecord>(pair.value)).filter((r) => r.seenNs + timeoutNs >= nowNs).map((r) => r.nodeId).sort();
  });
}

/** Highest-random-weight owner of an inode among `servers` (undefined when there are none). */
export function ownerOf(inodeId: number, servers: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const server of servers) {
    const weight = hashString53(`${server}/${inodeId}`);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && server < best)) {
      best = server;
      bestWeight = weight;
    }
  }
  return best;
}
