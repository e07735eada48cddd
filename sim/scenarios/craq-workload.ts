import { isFlyerError } from '../../system/env/errors.ts';
import { payloadDigest, syntheticPayload, type Payload } from '../../system/env/payload.ts';
import type { Env } from '../../system/env/types.ts';
import type { ChunkRef, StorageClient } from '../../system/services/client/storage-client.ts';
import type { RegisterOp } from '../checkers/register-linearizability.ts';

/**
 * The CRAQ workload: clients overwrite and read whole chunks. Every write carries a fresh synthetic
 * payload, so a read's digest names exactly which write it saw, and each chunk's history is a register
 * history the linearizability checker can judge.
 */
export interface CraqWorkloadOptions {
  readonly chunks: readonly ChunkRef[];
  readonly chunkSizeBytes: number;
  readonly opsPerClient: number;
  readonly writeFraction: number;
  readonly thinkNsMax: number;
  /** Content seeds are `clientIndex * 1e6 + n`, unique across clients. */
  readonly clientIndex: number;
}

export interface ChunkHistory {
  readonly ops: RegisterOp[];
}

/** Digest value recorded for "the chunk does not exist yet". */
export const ABSENT_VALUE = 0;

export class CraqHistory {
  readonly byChunk = new Map<string, RegisterOp[]>();
  /** digest -> content seed, so histories speak in write identities. */
  readonly valueOfDigest = new Map<number, number>();
  acknowledgedWrites = 0;
  failedReads = 0;
  unknownWrites = 0;
  lastReadError: string | undefined;

  record(chunkId: string, op: RegisterOp): void {
    let ops = this.byChunk.get(chunkId);
    if (!ops) this.byChunk.set(chunkId, (ops = []));
    ops.push(op);
  }
}

export async function runCraqClient(env: Env, client: StorageClient, history: CraqHistory, options: CraqWorkloadOptions): Promise<void> {
  const random = env.random('craq.workload');
  for (let n = 1; n <= options.opsPerClient; n++) {
    const chunk = random.pick(options.chunks);
    const invokeNs = env.clock.now();
    if (random.chance(options.writeFraction)) {
      const contentSeed = options.clientIndex * 1_000_000 + n;
      const payload = syntheticPayload({ contentSeed, sizeBytes: options.chunkSizeBytes });
      history.valueOfDigest.set(payloadDigest(payload), contentSeed);
      try {
        await client.write({ ...chunk, kind: 'write', offsetBytes: 0, payload, chunkSizeBytes: options.chunkSizeBytes });
        history.acknowledgedWrites++;
        history.record(chunk.chunkId, { kind: 'write', value: contentSeed, invokeNs, completeNs: env.clock.now() });
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        // The write may or may not have taken effect: the checker may place it anywhere after now.
        history.unknownWrites++;
        history.record(chunk.chunkId, { kind: 'write', value: contentSeed, invokeNs });
      }
    } else {
      const value = await readValue(client, chunk, options.chunkSizeBytes, history);
      if (value === undefined) history.failedReads++;
      else history.record(chunk.chunkId, { kind: 'read', value, invokeNs, completeNs: env.clock.now() });
    }
    await env.clock.sleep(random.int(options.thinkNsMax) + 1);
  }
}

/** Reads a whole chunk and names the write it came from; undefined when the read failed. */
export async function readValue(client: StorageClient, chunk: ChunkRef, chunkSizeBytes: number, history: CraqHistory): Promise<number | undefined> {
  try {
    const outcome = await client.read({ ...chunk, offsetBytes: 0, lengthBytes: chunkSizeBytes });
    if (!outcome.ok) return undefined;
    if (outcome.lengthBytes === 0 || !outcome.payload) return ABSENT_VALUE;
    return valueOf(outcome.payload, history);
  } catch (error) {
    if (!isFlyerError(error)) throw error;
    if (error.code === 'CHUNK_NOT_FOUND') return ABSENT_VALUE;
    history.lastReadError = error.message;
    return undefined;
  }
}

function valueOf(payload: Payload, history: CraqHistory): number {
  // A digest no write produced maps to -1: the checker then rejects the read, as it should.
  return history.valueOfDigest.get(payloadDigest(payload)) ?? -1;
}
