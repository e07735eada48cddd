/** Shared helpers for the native chunk engine tests: temp dirs, ids, payloads, a store opener. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChunkMeta, ChunkStore } from '../../system/env/chunk-store.ts';
import { realPayload, type Payload } from '../../system/env/payload.ts';
import { NativeChunkStore, type NativeEngineOptions } from '../../system/real/chunk-engine/index.ts';

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `flyer-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A 16-byte id whose last four bytes are `n` big-endian (so ids sort like n). */
export function chunkId(n: number, prefix = 0): Uint8Array {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  view.setUint32(0, prefix);
  view.setUint32(12, n);
  return id;
}

export const MIN_ID = new Uint8Array(16);
export const MAX_ID = new Uint8Array(16).fill(0xff);

/** Deterministic bytes (xorshift) so tests can regenerate what they wrote. */
export function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export async function openStore(path: string, engine: NativeEngineOptions = {}, create = true): Promise<NativeChunkStore> {
  return NativeChunkStore.open({ targetId: 1, path, create, engine });
}

/** update + commit of a write at `offsetBytes`; resolves to the committed meta. */
export async function writeChunk(store: ChunkStore, id: Uint8Array, offsetBytes: number, payload: Payload | Uint8Array,
  chunkSizeBytes = 1 << 20): Promise<ChunkMeta> {
  const p = payload instanceof Uint8Array ? realPayload(payload) : payload;
  const pending = await store.update({ chunkId: id, update: { kind: 'write', offsetBytes, payload: p }, updateVersion: 0, chainVersion: 1, chunkSizeBytes });
  return store.commit(id, pending.updateVersion, 1);
}

export async function readAll(store: ChunkStore, id: Uint8Array): Promise<Uint8Array> {
  const meta = await store.meta(id);
  if (!meta) throw new Error('no such chunk');
  const result = await store.read(id, 0, meta.lengthBytes);
  return plainBytes(result.payload);
}

/** A payload's bytes as a plain Uint8Array view (the engine hands out Buffers; ava compares classes). */
export function plainBytes(payload: Payload): Uint8Array {
  if (payload.kind !== 'real') throw new Error('engine returned a synthetic payload');
  return new Uint8Array(payload.bytes.buffer, payload.bytes.byteOffset, payload.bytes.length);
}

/** The crash test's chunks (crash-child.ts): ids 0..23, sizes cycling through three size classes. */
export const CRASH_CHUNKS = 24;
export const crashChunkSize = (n: number): number => [64 << 10, 128 << 10, 256 << 10][n % 3]!;
