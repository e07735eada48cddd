export { NativeChunkStore, type NativeChunkStoreOptions } from './native-chunk-store.ts';
export type { NativeEngineOptions, VerifyReads } from './options.ts';
export type { ChunkLocation, EngineStats } from './layout.ts';
export { loadNativeLibrary, DEFAULT_LIBRARY_PATH } from './library.ts';
export { alignedBuffer } from './read-buffers.ts';
