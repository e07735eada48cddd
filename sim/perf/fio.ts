/**
 * fio, the disk baseline benchmarks hold Flyer's disk-bound work against: sequential O_DIRECT
 * throughput of the file system a benchmark writes to, measured in the same run. Needs the fio binary
 * (`apt-get install -y fio`).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export interface FioJob {
  readonly read: { readonly bw_bytes: number; readonly iops: number; readonly io_bytes: number };
  readonly write: { readonly bw_bytes: number; readonly iops: number; readonly io_bytes: number };
}

/** fio's version line, or null when fio is not installed. */
export function fioVersion(): string | null {
  const probe = spawnSync('fio', ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? null : probe.stdout.trim();
}

/** One fio job (O_DIRECT, io_uring) with `args`; its JSON report's first job. */
export function fio(args: readonly string[]): FioJob {
  const out = spawnSync('fio', [...args, '--direct=1', '--ioengine=io_uring', '--output-format=json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(`fio ${args.join(' ')} failed: ${out.stderr}`);
  return (JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as { jobs: FioJob[] }).jobs[0]!;
}

/** Sequential 4 MiB O_DIRECT write, then read, of a `sizeMiB` file at `path` (removed after): MB/s each. */
export function fioSequential(path: string, sizeMiB: number, depth: number): { readonly writeMBps: number; readonly readMBps: number } {
  rmSync(path, { force: true });
  try {
    const common = [`--filename=${path}`, `--size=${sizeMiB}M`, '--bs=4M', `--iodepth=${depth}`];
    const write = fio(['--name=write', ...common, '--rw=write', '--fallocate=native']).write.bw_bytes;
    const read = fio(['--name=read', ...common, '--rw=read']).read.bw_bytes;
    return { writeMBps: write / 1e6, readMBps: read / 1e6 };
  } finally {
    rmSync(path, { force: true });
  }
}

export interface MixedShape {
  /** Concurrent sequential writers (one per replica), each writing this many bytes to its own file. */
  readonly writers: number;
  readonly writeBytesEach: number;
  /** One sequential reader, running alongside the writers, of a file written beforehand (not timed). */
  readonly readBytes: number;
}

/**
 * The wall time this disk needs for `shape`'s I/O alone: `writers` sequential 4 MiB O_DIRECT writers
 * and one reader, all at once, as one fio run in `dir` (files removed after). This is a disk bound for
 * work whose replicas share one disk: sequential rates measured one stream at a time overstate what a
 * disk does with several streams at once, and a short run overstates what it sustains.
 */
export function fioMixedSec(dir: string, shape: MixedShape, depth: number): { readonly sec: number; readonly writeMBps: number; readonly readMBps: number } {
  const readPath = join(dir, 'fio-mixed.read');
  const writePaths = Array.from({ length: shape.writers }, (_, i) => join(dir, `fio-mixed.write${i}`));
  const mib = (bytes: number): number => Math.max(1, Math.ceil(bytes / (1 << 20)));
  try {
    fio(['--name=prepare', `--filename=${readPath}`, `--size=${mib(shape.readBytes)}M`, '--bs=4M', `--iodepth=${depth}`, '--rw=write']);
    const out = spawnSync('fio', ['--direct=1', '--ioengine=io_uring', '--bs=4M', `--iodepth=${depth}`, '--output-format=json',
      ...writePaths.flatMap((path, i) => [`--name=write${i}`, `--filename=${path}`, `--size=${mib(shape.writeBytesEach)}M`, '--rw=write', '--fallocate=native']),
      '--name=read', `--filename=${readPath}`, `--size=${mib(shape.readBytes)}M`, '--rw=read'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (out.status !== 0) throw new Error(`fio mixed run failed: ${out.stderr}`);
    const jobs = (JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as { jobs: Array<FioJob & { job_runtime: number }> }).jobs;
    const sec = Math.max(...jobs.map((j) => j.job_runtime)) / 1000;
    const written = jobs.reduce((sum, j) => sum + j.write.io_bytes, 0);
    const read = jobs.reduce((sum, j) => sum + j.read.io_bytes, 0);
    return { sec, writeMBps: written / sec / 1e6, readMBps: read / sec / 1e6 };
  } finally {
    for (const path of [readPath, ...writePaths]) rmSync(path, { force: true });
  }
}
