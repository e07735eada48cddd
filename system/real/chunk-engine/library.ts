/**
 * Loads the Rust chunk engine (libflyer_chunk_engine.so, built by scripts/build-native.mjs) with koffi
 * and declares its C ABI (system/native/chunk-engine/src/ffi.rs). Everything except open and close is
 * called synchronously: these calls only validate, queue and return (tens of nanoseconds of koffi
 * overhead), and results come back in bulk through the completion queue (completions.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi, { type LibraryHandle } from 'koffi';
import { FlyerError } from '../../env/errors.ts';
import { checkLayout } from './layout.ts';

export const ABI_VERSION = 2;

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_LIBRARY_PATH = join(here, '..', '..', 'native', 'chunk-engine', 'target', 'release', 'libflyer_chunk_engine.so');

type Bytes = Uint8Array;
/** koffi's async form: same arguments plus a node-style callback. */
interface AsyncCall<A extends unknown[], R> {
  (...args: A): R;
  async(...args: [...A, (error: unknown, result: R) => void]): void;
}

export interface NativeLibrary {
  readonly path: string;
  fce_abi_version(): number;
  fce_layout(kind: number): number;
  fce_event_fd(): number;
  fce_harvest(out: Buffer, max: number): number;
  fce_flush(): void;
  fce_open: AsyncCall<[path: Buffer, pathLen: number, options: Buffer, handleOut: Buffer, err: Buffer, errCap: number], number>;
  fce_close: AsyncCall<[handle: number, err: Buffer, errCap: number], number>;
  fce_read(handle: number, tag: number, id: Bytes, idLen: number, offset: number, len: number, dst: Bytes, err: Buffer, errCap: number): number;
  fce_read_mapped(handle: number, tag: number, id: Bytes, idLen: number, offset: number, len: number, mappedOut: Buffer, err: Buffer, errCap: number): number;
  fce_update(handle: number, tag: number, request: Buffer, data: Bytes, dataLen: number, err: Buffer, errCap: number): number;
  fce_commit(handle: number, tag: number, id: Bytes, idLen: number, updateVer: number, chainVer: number, err: Buffer, errCap: number): number;
  fce_remove_range(handle: number, tag: number, begin: Bytes, beginLen: number, end: Bytes, endLen: number, limit: number, err: Buffer, errCap: number): number;
  fce_compact(handle: number, tag: number, maxMoves: number, err: Buffer, errCap: number): number;
  fce_meta(handle: number, id: Bytes, idLen: number, metaOut: Buffer, err: Buffer, errCap: number): number;
  fce_list(handle: number, begin: Bytes, beginLen: number, end: Bytes, endLen: number, limit: number, metasOut: Buffer, outCap: number, countOut: Buffer, err: Buffer, errCap: number): number;
  fce_last(handle: number, begin: Bytes, beginLen: number, end: Bytes, endLen: number, metaOut: Buffer, err: Buffer, errCap: number): number;
  fce_space(handle: number, spaceOut: Buffer, err: Buffer, errCap: number): number;
  fce_locate(handle: number, id: Bytes, idLen: number, locationOut: Buffer, err: Buffer, errCap: number): number;
  fce_unpin(handle: number, pinToken: bigint, err: Buffer, errCap: number): number;
  fce_crc32c(initial: number, data: Bytes, len: number): number;
}

const SIGNATURES = [
  'uint32_t fce_abi_version()',
  'uint32_t fce_layout(uint32_t kind)',
  'int32_t fce_event_fd()',
  'uint32_t fce_harvest(uint8_t *out, uint32_t max)',
  'void fce_flush()',
  'int32_t fce_open(const uint8_t *path, uint32_t path_len, const uint8_t *options, uint8_t *handle_out, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_close(uint64_t handle, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_read(uint64_t handle, uint64_t tag, const uint8_t *id, uint32_t id_len, uint64_t offset, uint64_t len, uint8_t *dst, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_read_mapped(uint64_t handle, uint64_t tag, const uint8_t *id, uint32_t id_len, uint64_t offset, uint64_t len, uint8_t *mapped_out, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_update(uint64_t handle, uint64_t tag, const uint8_t *request, const uint8_t *data, uint64_t data_len, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_commit(uint64_t handle, uint64_t tag, const uint8_t *id, uint32_t id_len, uint32_t update_ver, uint32_t chain_ver, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_remove_range(uint64_t handle, uint64_t tag, const uint8_t *begin, uint32_t begin_len, const uint8_t *end, uint32_t end_len, uint32_t limit, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_compact(uint64_t handle, uint64_t tag, uint32_t max_moves, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_meta(uint64_t handle, const uint8_t *id, uint32_t id_len, uint8_t *meta_out, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_list(uint64_t handle, const uint8_t *begin, uint32_t begin_len, const uint8_t *end, uint32_t end_len, uint32_t limit, uint8_t *metas_out, uint32_t out_cap, uint8_t *count_out, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_last(uint64_t handle, const uint8_t *begin, uint32_t begin_len, const uint8_t *end, uint32_t end_len, uint8_t *meta_out, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_space(uint64_t handle, uint8_t *space_out, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_locate(uint64_t handle, const uint8_t *id, uint32_t id_len, uint8_t *location_out, uint8_t *err, uint32_t err_cap)',
  'int32_t fce_unpin(uint64_t handle, uint64_t pin_token, uint8_t *err, uint32_t err_cap)',
  'uint32_t fce_crc32c(uint32_t initial, const uint8_t *data, uint64_t len)',
];

let loaded: NativeLibrary | undefined;

/** The library, loaded once per process; CHUNK_ENGINE_UNAVAILABLE says how to build it if missing. */
export function loadNativeLibrary(): NativeLibrary {
  if (loaded) return loaded;
  const path = process.env.FLYER_CHUNK_ENGINE_LIB ?? DEFAULT_LIBRARY_PATH;
  if (!existsSync(path)) {
    throw new FlyerError('CHUNK_ENGINE_UNAVAILABLE', `${path} not found: run \`node scripts/build-native.mjs\` (needs cargo)`);
  }
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (error) {
    throw new FlyerError('CHUNK_ENGINE_UNAVAILABLE', `cannot load ${path}: ${(error as Error).message}`, { cause: error });
  }
  // The version first: a stale library may lack functions this wrapper binds.
  const abi = (lib.func(SIGNATURES[0]!) as () => number)();
  if (abi !== ABI_VERSION) {
    throw new FlyerError('CHUNK_ENGINE_UNAVAILABLE', `${path} speaks ABI ${abi}, this wrapper ${ABI_VERSION}: rebuild it`);
  }
  const functions: Record<string, unknown> = { path };
  for (const signature of SIGNATURES) {
    const name = /\b(fce_\w+)\(/.exec(signature)![1]!;
    functions[name] = lib.func(signature);
  }
  const native = functions as unknown as NativeLibrary;
  checkLayout((kind) => native.fce_layout(kind));
  loaded = native;
  return native;
}
