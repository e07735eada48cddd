import { assert } from '../../env/assert.ts';
import type { KvStore } from '../../env/kv.ts';
import type { RandomStream } from '../../env/random.ts';
import { decodeValue, encodeValue, keys } from './schema.ts';
import { FIRST_ALLOCATED_INODE_ID, type InodeId } from './types.ts';

/** 3FS hands out 4096 ids per KV round trip; the low 12 bits are local. */
const IDS_PER_BLOCK = 4096;
/** Counters sharded over this many keys, so servers taking blocks at once rarely conflict. */
const SHARDS = 32;

/**
 * Inode id allocation (3fs-notes §1.2 InodeIdAllocator): a KV counter per shard hands out blocks of
 * 4096 ids; a server draws ids from its block locally. Block b of shard s covers
 * FIRST + (b * SHARDS + s) * 4096 ... + 4095, so blocks never overlap between shards or servers. Ids a
 * crashed server had not used are simply skipped.
 */
export class InodeIdAllocator {
  #next = 0;
  #end = 0;
  #refill: Promise<void> | undefined;

  constructor(private readonly kv: KvStore, private readonly random: RandomStream) {}

  async allocate(): Promise<InodeId> {
    while (this.#next >= this.#end) {
      this.#refill ??= this.#takeBlock().finally(() => (this.#refill = undefined));
      await this.#refill;
    }
    return this.#next++;
  }

  async #takeBlock(): Promise<void> {
    const shard = this.random.int(SHARDS);
    const block = await this.kv.transact(async (txn) => {
      const bytes = await txn.get(keys.idBlock(shard));
      const taken = bytes ? decodeValue<number>(bytes) : 0;
      txn.set(keys.idBlock(shard), encodeValue(taken + 1));
      return taken;
    });
    const first = FIRST_ALLOCATED_INODE_ID + (block * SHARDS + shard) * IDS_PER_BLOCK;
    assert(Number.isSafeInteger(first + IDS_PER_BLOCK), 'inode ids stay safe integers');
    this.#next = first;
    this.#end = first + IDS_PER_BLOCK;
  }
}
