/**
 * What one core of this machine does per second in each GraySort compute stage, from the CPU time
 * (user + system, via /usr/bin/time) our native tools spend on the benchmark's input. The simulated
 * GraySort charges its stages to simulated cores at these rates (system/workloads/graysort/sim-rates.ts
 * reads them back from reports/bench/graysort.json).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sortToolPath } from '../system/graysort/native-tools.ts';

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

export function measureCpuRates(input: string, records: number, dir: string): CpuRates | undefined {
  if (!existsSync('/usr/bin/time')) return undefined;
  const bytes = records * 100;
  const scratch = join(dir, 'cpu-rates');
  mkdirSync(scratch, { recursive: true });
  try {
    const gen = cpuSeconds(sortToolPath('flyer-gensort'), ['-a', String(records), join(scratch, 'gen.dat')]);
    rmSync(join(scratch, 'gen.dat'), { force: true });
    const part = cpuSeconds(sortToolPath('flyer-sort'), ['partition', input, '--parts', '8', '--out', join(scratch, 'parts'), '--key-space', 'ascii']);
    rmSync(join(scratch, 'parts'), { recursive: true, force: true });
    const sort = cpuSeconds(sortToolPath('flyer-sort'), ['sort', input, join(scratch, 'sorted.dat')]);
    return {
      gensortBytesPerCoreSec: Math.round(bytes / gen),
      partitionBytesPerCoreSec: Math.round(bytes / part),
      sortBytesPerCoreSec: Math.round(bytes / sort),
      method: 'input bytes / (user + system CPU seconds) of flyer-gensort -a, flyer-sort partition (8 parts) and flyer-sort sort on the benchmark input',
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
