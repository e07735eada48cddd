/**
 * fio, the disk baseline benchmarks hold Flyer's disk-bound work against: sequential O_DIRECT
 * throughput of the file system a benchmark writes to, measured in the same run. Needs the fio binary
 * (`apt-get install -y fio`).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export interface FioJob {
  readonly read: { readonly bw_bytes: number; readonly iops: number };
  readonly write: { readonly bw_bytes: number; readonly iops: number };
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
