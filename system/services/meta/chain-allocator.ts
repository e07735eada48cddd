import { FlyerError } from '../../env/errors.ts';
import type { RandomStream } from '../../env/random.ts';
import type { FileLayout } from '../client/layout.ts';
import type { ChainTable, RoutingInfo } from '../mgmtd/types.ts';
import type { DirectoryLayout } from './types.ts';

/**
 * Picks where a new file's stripe starts (3fs-notes §1.2 ChainAllocator): a round-robin counter per
 * (table, stripe size), starting at a random multiple of the stripe and advancing by the stripe for
 * each file, so consecutive files land on disjoint chains and the table fills evenly. The counter lives
 * in the server's memory, as in 3FS: different servers interleave, which only shifts the balance a bit.
 * The per-file shuffle seed fixes the stripe's order; the shuffle itself is layout.ts's stripeChains,
 * one algorithm kept forever because it decides where data lives.
 */
export class ChainAllocator {
  readonly #counters = new Map<string, number>();

  constructor(private readonly random: RandomStream) {}

  layoutFor(dirLayout: DirectoryLayout, routing: RoutingInfo | undefined): FileLayout {
    const table = latestTable(routing, dirLayout.tableId, dirLayout.tableVersion);
    const chainCount = table.chainIds.length;
    if (chainCount === 0) throw new FlyerError('META_INVALID_LAYOUT', `chain table ${dirLayout.tableId} is empty`);
    const stripeSize = Math.min(dirLayout.stripeSize, chainCount);
    const key = `${dirLayout.tableId}/${stripeSize}`;
    let counter = this.#counters.get(key);
    if (counter === undefined) counter = this.random.int(Math.max(1, Math.floor(chainCount / stripeSize))) * stripeSize;
    this.#counters.set(key, (counter + stripeSize) % chainCount);
    return {
      tableId: table.tableId,
      tableVersion: table.tableVersion,
      chunkSizeBytes: dirLayout.chunkSizeBytes,
      stripeSize,
      baseIndex: counter % chainCount,
      shuffleSeed: this.random.nextU32(),
    };
  }
}

/** The table a directory names: its pinned version, or the newest when the directory says 0. */
export function latestTable(routing: RoutingInfo | undefined, tableId: number, tableVersion: number): ChainTable {
  const versions = routing?.chainTables[String(tableId)];
  if (!versions) throw new FlyerError('META_INVALID_LAYOUT', `no chain table ${tableId} in routing`);
  if (tableVersion > 0) {
    const pinned = versions[String(tableVersion)];
    if (!pinned) throw new FlyerError('META_INVALID_LAYOUT', `chain table ${tableId} has no version ${tableVersion}`);
    return pinned;
  }
  const newest = Object.values(versions).reduce<ChainTable | undefined>((best, t) => (!best || t.tableVersion > best.tableVersion ? t : best), undefined);
  if (!newest) throw new FlyerError('META_INVALID_LAYOUT', `chain table ${tableId} has no versions`);
  return newest;
}
