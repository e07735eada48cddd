import { FlyerError } from '../../env/errors.ts';
import { ParamReader } from '../framework/params.ts';
import { simCpuRates } from './sim-rates.ts';
import type { RunMode } from '../framework/workload.ts';
import type { ClusterSpec } from '../spec/cluster-spec.ts';

export const RECORD_BYTES = 100;

export interface GraySortParams {
  readonly totalRecords: number;
  /** Output partitions (smallpond: 8,192 for 110.5 TiB). */
  readonly partitions: number;
  /** gensort -a: printable keys (what line-based tools can sort too). */
  readonly ascii: boolean;
  readonly pieceBytes: number;
  readonly inFlight: number;
  /**
   * Chunk size of the GraySort tree (3FS sets it per directory): 4 MiB by default, since every file
   * here is streamed whole, and larger chunks cost fewer requests per byte (1 MiB -> 4 MiB: ~30% more
   * replicated write throughput on one machine).
   */
  readonly chunkBytes: number;
  /** Threads each real client gives the native tools. */
  readonly threads: number;
  /** Simulation: cores per client and what one core partitions and sorts per second (measured, see below). */
  readonly cores: number;
  readonly gensortBytesPerCoreSec: number;
  readonly partitionBytesPerCoreSec: number;
  readonly sortBytesPerCoreSec: number;
  /** Where the rates come from (the graysort benchmark's report, or built-in). */
  readonly ratesSource: string;
  readonly binMs: number;
}


export function parseGraySortParams(raw: Readonly<Record<string, unknown>>, mode: RunMode, spec?: ClusterSpec): GraySortParams {
  const params = new ParamReader('graysort', raw);
  const rates = simCpuRates();
  const totalBytes = params.number('total_bytes', mode === 'sim' ? 64 * 2 ** 30 : 256 * 2 ** 20, { min: RECORD_BYTES, max: 2 ** 50 });
  const parsed: GraySortParams = {
    totalRecords: Math.floor(totalBytes / RECORD_BYTES),
    partitions: params.integer('partitions', mode === 'sim' ? 64 : 8, { min: 1, max: 65_536 }),
    ascii: params.boolean('ascii', false),
    // 16 MiB: whole 4 MiB chunks per write and fewer, larger requests (measured ~0.5 s faster than 8 MiB on 2 GiB).
    pieceBytes: params.integer('piece_bytes', 16 * 2 ** 20, { min: 4096, max: 2 ** 30 }),
    inFlight: params.integer('in_flight', 8, { min: 1, max: 1024 }),
    chunkBytes: params.integer('chunk_bytes', 4 * 2 ** 20, { min: 64 * 1024, max: 64 * 2 ** 20 }),
    threads: params.integer('threads', 2, { min: 1, max: 256 }),
    cores: params.integer('cores', spec?.clients.cores ?? 2, { min: 1, max: 4096 }),
    gensortBytesPerCoreSec: params.number('gensort_bytes_per_core_sec', rates.gensortBytesPerCoreSec, { min: 1 }),
    partitionBytesPerCoreSec: params.number('partition_bytes_per_core_sec', rates.partitionBytesPerCoreSec, { min: 1 }),
    sortBytesPerCoreSec: params.number('sort_bytes_per_core_sec', rates.sortBytesPerCoreSec, { min: 1 }),
    ratesSource: rates.source,
    binMs: params.integer('bin_ms', mode === 'sim' ? 250 : 500, { min: 1, max: 600_000 }),
  };
  params.done();
  if ((parsed.chunkBytes & (parsed.chunkBytes - 1)) !== 0) throw new FlyerError('INVALID_ARGUMENT', `graysort: chunk_bytes must be a power of two, got ${parsed.chunkBytes}`);
  return parsed;
}

/** Records [start, start+count) that client `index` of `clients` generates. */
export function recordRange(params: GraySortParams, index: number, clients: number): { start: number; count: number } {
  const base = Math.floor(params.totalRecords / clients);
  const start = base * index;
  return { start, count: index === clients - 1 ? params.totalRecords - start : base };
}

/**
 * The size of the pooled buffers the real phases share (whole chunks, as a write's staging must be):
 * read blocks and staging in the partition phase, input segments and staging in the sort, so each phase
 * reuses memory an earlier one touched instead of faulting in fresh pages.
 */
export function stagingBytesOf(params: GraySortParams): number {
  return params.chunkBytes * Math.max(1, Math.floor(params.pieceBytes / params.chunkBytes));
}

/** Partitions owned by a client in the sort phase. */
export function ownedPartitions(params: GraySortParams, index: number, clients: number): number[] {
  const owned: number[] = [];
  for (let p = index; p < params.partitions; p += clients) owned.push(p);
  return owned;
}

export const paths = {
  root: '/graysort',
  input: (client: number): string => `/graysort/input/client-${String(client).padStart(5, '0')}.dat`,
  piece: (partition: number, client: number): string => `/graysort/shuffle/part-${String(partition).padStart(5, '0')}/from-${String(client).padStart(5, '0')}.dat`,
  partitionDir: (partition: number): string => `/graysort/shuffle/part-${String(partition).padStart(5, '0')}`,
  output: (partition: number): string => `/graysort/output/part-${String(partition).padStart(5, '0')}.dat`,
  success: '/graysort/output/_SUCCESS',
};
