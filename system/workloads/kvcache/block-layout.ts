import { materialize, RealPayload, syntheticPayload, type Payload } from '../../env/payload.ts';
import type { RunMode } from '../framework/workload.ts';

/**
 * Where blocks live and what they hold. One file per block id, fanned out over `fanoutDirs` directories
 * by a hash of the id so no directory grows huge (and neighbouring ids spread over meta's key space).
 * The bytes of a block are a function of its id, so any client can check a block another client wrote.
 */
export class BlockLayout {
  readonly #digits: number;

  constructor(readonly rootDir: string, readonly fanoutDirs: number) {
    this.#digits = Math.max(1, Math.ceil(Math.log2(fanoutDirs) / 4));
  }

  get blocksDir(): string {
    return `${this.rootDir}/blocks`;
  }

  get traceFile(): string {
    return `${this.rootDir}/trace.jsonl`;
  }

  dirIndexOf(id: number): number {
    return mix32(id) % this.fanoutDirs;
  }

  dirPath(dirIndex: number): string {
    return `${this.blocksDir}/${dirIndex.toString(16).padStart(this.#digits, '0')}`;
  }

  blockPath(id: number): string {
    return `${this.dirPath(this.dirIndexOf(id))}/${id}`;
  }

  /** A fresh name to write a block under before it is renamed into place. */
  tempPath(id: number, clientIndex: number, sequence: number): string {
    return `${this.dirPath(this.dirIndexOf(id))}/${TEMP_PREFIX}${clientIndex}-${sequence}`;
  }
}

/** Names of blocks being written; a reader never looks them up. */
export const TEMP_PREFIX = '.w-';

/** The content of a block: synthetic in simulation (only sizes move), real bytes otherwise. */
export function blockContent(id: number, sizeBytes: number, mode: RunMode): Payload {
  // Seed 0 is reserved for zeros (holes), so a block read back from a removed file never matches.
  const payload = syntheticPayload({ contentSeed: 1 + id, sizeBytes });
  return mode === 'sim' ? payload : new RealPayload(materialize(payload));
}

/** A 32-bit integer mix (murmur3's finaliser) of the low 32 bits of an id, as an unsigned number. */
function mix32(id: number): number {
  let h = (id ^ Math.floor(id / 2 ** 32)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
