/**
 * What one core of this machine does per second in each GraySort compute stage, from the CPU time
 * (user + system) our own code spends on the benchmark's input: flyer-gensort (via /usr/bin/time), and
 * the in-memory partitioner and streaming sort that real GraySort clients run (process CPU time around
 * them, in this process, which does nothing else meanwhile). The simulated GraySort charges its stages
 * to simulated cores at these rates (system/workloads/graysort/sim-rates.ts reads them back from
 * reports/bench/graysort.json).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { partitionRecordsInMemory, SortedRecords } from '../system/graysort/index.ts';
import { sortToolPath } from '../system/graysort/native-tools.ts';

/** The clients' block size (graysort-params.ts piece_bytes, whole records). */
const BLOCK_BYTES = Math.floor((16 << 20) / 100) * 100;

/** CPU seconds (all threads of this process) that `body` takes. */
async function processCpuSeconds(body: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await body();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** The partition phase's compute: 8 parts, block by block, as partition-real.ts does it. */
async function partitionInMemory(data: Buffer): Promise<void> {
  const out = Buffer.allocUnsafe(BLOCK_BYTES);
  for (let at = 0; at < data.length; at += BLOCK_BYTES) {
    await partitionRecordsInMemory(data.subarray(at, Math.min(at + BLOCK_BYTES, data.length)), 8, 'ascii', out);
  }
}

/** The sort phase's compute: order, then gather block by block with summaries, as sort-real.ts does it. */
async function sortInMemory(data: Buffer): Promise<void> {
  const sorted = await SortedRecords.sort([data], 2);
  const block = Buffer.allocUnsafe(BLOCK_BYTES);
  try {
    while (sorted.remaining > 0) await sorted.gatherNext(Math.min(BLOCK_BYTES / 100, sorted.remaining), block);
  } finally {
    sorted.close();
  }
}

export interface CpuRates {
  readonly gensortBytesPerCoreSec: number;
  readonly partitionBytesPerCoreSec: number;
  readonly sortBytesPerCoreSec: number;
  readonly method: string;
}

function cpuSeconds(command: string, args: readonly string[]): number {
  const run = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', command, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr}`);
  const match = /CPU ([\d.]+) ([\d.]+)/.exec(run.stderr);
  if (!match) throw new Error(`no CPU time from /usr/bin/time: ${run.stderr}`);
  return Number(match[1]) + Number(match[2]);
}

export async function measureCpuRates(input: string, records: number, dir: string): Promise<CpuRates | undefined> {
  if (!existsSync('/usr/bin/time')) return undefined;
  const bytes = records * 100;
  const scratch = join(dir, 'cpu-rates');
  mkdirSync(scratch, { recursive: true });
  try {
    const gen = cpuSeconds(sortToolPath('flyer-gensort'), ['-a', String(records), join(scratch, 'gen.dat')]);
    rmSync(join(scratch, 'gen.dat'), { force: true });
    const data = readFileSync(input);
    // Once untimed each, so page faults of first-touched memory and lazy loading do not count.
    await partitionInMemory(data.subarray(0, Math.min(data.length, 4 * BLOCK_BYTES)));
    await sortInMemory(data.subarray(0, Math.min(data.length, BLOCK_BYTES)));
    const part = await processCpuSeconds(() => partitionInMemory(data));
    const sort = await processCpuSeconds(() => sortInMemory(data));
    return {
      gensortBytesPerCoreSec: Math.round(bytes / gen),
      partitionBytesPerCoreSec: Math.round(bytes / part),
      sortBytesPerCoreSec: Math.round(bytes / sort),
      method: 'input bytes / (user + system CPU seconds) of flyer-gensort -a (/usr/bin/time), and of the in-memory partitioner (8 parts, 16 MB blocks) and streaming sort (order, then gather with summaries in 16 MB blocks, 2 threads) the real clients run, on the benchmark input loaded in memory (process CPU time)',
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
