/**
 * Child process of crash.test.ts. Opens the engine in argv[2] and runs random writes, appends,
 * replaces, truncates and removes on a small set of chunks forever, reporting on stdout (synchronously,
 * so a line written is in the pipe even if we are SIGKILLed right after):
 *   R                                   ready (model loaded from the engine)
 *   I <n> <ver> <len> <crc>             about to update+commit chunk n; afterwards it will be this
 *   A <n> <ver> <len> <crc>             that commit returned (acknowledged); len -1 = removed
 * The parent kills us at a random moment and checks the engine against these lines.
 */
import { writeSync } from 'node:fs';
import type { ChunkUpdate } from '../../system/env/chunk-store.ts';
import { crc32c } from '../../system/env/crc32c.ts';
import { realPayload } from '../../system/env/payload.ts';
import { bytes, chunkId, CRASH_CHUNKS, crashChunkSize, MAX_ID, MIN_ID, openStore } from './helpers.ts';


function say(line: string): void {
  const data = Buffer.from(`${line}\n`);
  for (let at = 0; at < data.length;) {
    try {
      at += writeSync(1, data, at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

const [dir, seedArg] = process.argv.slice(2);
let seed = Number(seedArg) >>> 0 || 1;
const random = (n: number): number => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
};

const store = await openStore(dir!, { checkpointBytes: 16 << 10, walExtendBytes: 64 << 10, reserveBytes: 1 << 20 });
const model = new Map<number, Uint8Array>();
for (const meta of await store.list(MIN_ID, MAX_ID, 1000)) {
  if (meta.commitVersion === 0) continue; // only a pending version: not visible
  const n = new DataView(meta.chunkId.buffer, meta.chunkId.byteOffset).getUint32(12);
  const result = await store.read(meta.chunkId, 0, meta.lengthBytes);
  if (result.payload.kind !== 'real') throw new Error('synthetic read');
  model.set(n, result.payload.bytes);
}
say('R');

for (let step = 0; ; step++) {
  const n = random(CRASH_CHUNKS);
  const id = chunkId(n);
  const size = crashChunkSize(n);
  const current = model.get(n);
  const choice = random(10);
  let update: ChunkUpdate;
  let next: Uint8Array | undefined;
  if (current !== undefined && choice === 0) {
    update = { kind: 'remove' };
    next = undefined;
  } else if (current !== undefined && choice === 1) {
    const length = random(size + 1);
    update = { kind: 'truncate', lengthBytes: length };
    next = new Uint8Array(length);
    next.set(current.subarray(0, Math.min(length, current.length)));
  } else if (choice === 2) {
    const data = bytes(random(size + 1), seed);
    update = { kind: 'replace', payload: realPayload(data) };
    next = data;
  } else {
    const base = current ?? new Uint8Array(0);
    // Half appends (in place), half overwrites somewhere (copy-on-write).
    const offset = choice % 2 === 0 ? Math.min(base.length + random(5000), size) : random(base.length + 1);
    const data = bytes(random(size - offset + 1), seed + step);
    update = { kind: 'write', offsetBytes: offset, payload: realPayload(data), checksum: crc32c(data) };
    next = new Uint8Array(Math.max(base.length, offset + data.length));
    next.set(base);
    next.set(data, offset);
  }
  const meta = await store.meta(id);
  const ver = (meta?.commitVersion ?? 0) + 1;
  const describe = next === undefined ? '-1 0' : `${next.length} ${crc32c(next)}`;
  say(`I ${n} ${ver} ${describe}`);
  const pending = await store.update({ chunkId: id, update, updateVersion: ver, chainVersion: 1, chunkSizeBytes: size });
  await store.commit(id, pending.updateVersion, 1);
  say(`A ${n} ${ver} ${describe}`);
  if (next === undefined) model.delete(n);
  else model.set(n, next);
}
