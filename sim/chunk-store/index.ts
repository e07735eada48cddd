/**
 * The simulated chunk store as a Simulation `chunkStoreFactory`:
 *
 * @example
 * const sim = new Simulation({ seed, chunkStoreFactory: simChunkStoreFactory });
 * // or with settings:
 * const sim = new Simulation({ seed, chunkStoreFactory: makeSimChunkStoreFactory({ capacityBytes: 2 ** 40 }) });
 */
import type { ChunkStore, ChunkStoreOptions } from '../../system/env/chunk-store.ts';
import type { Env } from '../../system/env/types.ts';
import { SimChunkStore, type SimChunkStoreConfig } from './sim-chunk-store.ts';

export { SimChunkStore, type SimChunkStoreConfig } from './sim-chunk-store.ts';

export type ChunkStoreFactory = (env: Env, options: ChunkStoreOptions) => Promise<ChunkStore>;

export function makeSimChunkStoreFactory(config: SimChunkStoreConfig = {}): ChunkStoreFactory {
  return (env, options) => SimChunkStore.open(env, options, config);
}

/** The factory with default settings (16 TiB per target, 3FS's space thresholds). */
export const simChunkStoreFactory: ChunkStoreFactory = makeSimChunkStoreFactory();
