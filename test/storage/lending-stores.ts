/**
 * Chunk stores that lend their read bytes as the native engine does (a `release` on every read result),
 * and keep count, so a test can check that whatever reads a chunk gives its bytes back.
 */
import type { ChunkReadResult, ChunkStore } from '../../system/env/chunk-store.ts';
import type { NodeId } from '../../system/env/types.ts';
import { chunkIdHex } from '../../system/services/common/chunk-key.ts';

export class LendingStores {
  lentReads = 0;
  /** Per node, the reads lent and not yet released, by a description of the read. */
  readonly #outstanding = new Map<NodeId, Map<number, string>>();
  #nextLoan = 0;

  readonly wrap = (store: ChunkStore, nodeId: NodeId): ChunkStore => {
    const loans = this.#outstanding.get(nodeId) ?? new Map<number, string>();
    this.#outstanding.set(nodeId, loans);
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'read' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<ChunkStore['read']>): Promise<ChunkReadResult> => {
          const result = await (value as ChunkStore['read']).apply(target, args);
          const loan = this.#nextLoan++;
          this.lentReads++;
          loans.set(loan, `${nodeId} read of chunk ${chunkIdHex(args[0])} [${args[1]}, +${args[2]})`);
          const inner = result.release;
          return { ...result, release: () => {
            loans.delete(loan);
            inner?.();
          } };
        };
      },
    });
  };

  /** Drops the loans of a node whose process died (its memory went with it). */
  forget(nodeId: NodeId): void {
    this.#outstanding.get(nodeId)?.clear();
  }

  unreleased(): string[] {
    return [...this.#outstanding.values()].flatMap((loans) => [...loans.values()]);
  }
}
