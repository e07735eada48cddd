/**
 * The end-to-end half of `npm run bench -- graysort`: the full two-phase GraySort (partition, then sort)
 * on a local Flyer cluster with replication 3, driven by the GraySort workload exactly as the README's
 * main job runs it, next to iperf3 single-stream loopback measured in the same run.
 *
 * ioBoundSec is the time the bytes the two phases moved would take at the iperf3 rate: every byte the
 * clients read crosses the network once, every byte they write crosses it once per replica (client to
 * head, then down the chain). endToEndSec is the partition plus sort time (generation excluded, as in
 * smallpond's 30 min 14 s).
 *
 * diskBoundSec is what this machine's one disk needs for the same I/O with nothing else running: fio,
 * per phase, with one sequential O_DIRECT writer per replica and a reader alongside them, on fresh files
 * in the cluster's directory (a fresh cluster writes fresh blocks too). All storage processes share that
 * disk here, so when diskBoundSec exceeds twice ioBoundSec the network target is out of reach on this
 * machine whatever the software does; ratioToDiskBound says how close the run came to the disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fioMixedSec, fioSequential, fioVersion } from '../sim/perf/fio.ts';
import { iperf3Available, iperf3Loopback } from '../sim/perf/iperf3.ts';

const FLYER = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'flyer.mjs');
const REPLICATION = 3;

export interface EndToEndResult {
  readonly endToEndSec: number;
  readonly ioBoundSec: number | null;
  readonly ratioToIoBound: number | null;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly bytesMoved: number;
  /** The fastest of iperf3RunsMBps (two before the cluster starts, one after the run). */
  readonly iperf3MBps: number | null;
  readonly iperf3RunsMBps: readonly number[];
  /**
   * The two phases' disk I/O alone, as fio does it on this disk in the same run (see the file comment):
   * every replica of every written byte goes to the one disk all storage processes share here, and
   * every byte read comes from it. On this machine this, not the network, is what binds.
   */
  readonly diskBoundSec: number | null;
  readonly ratioToDiskBound: number | null;
  /** diskBoundSec / ioBoundSec: above 2, the network target cannot be met on this machine. */
  readonly diskBoundOverIoBound: number | null;
  readonly fio: {
    /** One phase's shape: REPLICATION writers of the phase's bytes each, plus one reader. */
    readonly mixedPhaseSec: number;
    readonly mixedWriteMBps: number;
    readonly mixedReadMBps: number;
    /** One stream at a time, 2 GiB each: what the disk does alone, briefly (context only). */
    readonly sequentialWriteMBps: number;
    readonly sequentialReadMBps: number;
  } | null;
  readonly phasesSec: Readonly<Record<string, number>>;
  readonly valid: string;
  readonly clients: number;
  readonly partitions: number;
}

function flyer(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FLYER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function runEndToEnd(options: { totalBytes: number; clients: number; partitions: number }): Promise<EndToEndResult> {
  const work = mkdtempSync(join(tmpdir(), 'flyer-bench-graysort-e2e-'));
  const cluster = join(work, 'cluster');
  const out = join(work, 'report');
  try {
    // Dirty pages other benchmark parts left (sort outputs) would be written back during the run.
    spawnSync('sync');
    // The bound takes the fastest of several iperf3 runs, before and after the workload: loopback
    // bandwidth on this shared VM swings by nearly 2x between runs, and a slow one would flatter us.
    const iperfRuns = iperf3Available() ? [await iperf3Loopback(3), await iperf3Loopback(3)] : [];
    const up = await flyer(['cluster', 'up', '--local', '--dir', cluster, '--exit-with-pid', String(process.pid)]);
    if (up.code !== 0) throw new Error(`cluster up failed: ${up.stderr.slice(-2000)}`);
    const run = await flyer(['workload', 'run', 'graysort', '--cluster', cluster, '--clients', String(options.clients),
      '--param', `total_bytes=${options.totalBytes}`, '--param', `partitions=${options.partitions}`, '--param', 'ascii=true', '--out', out]);
    if (run.code !== 0) throw new Error(`graysort failed: ${run.stderr.slice(-2000)}`);
    const report = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
      phases: Array<{ name: string; startSec: number; endSec: number }>;
      summary: Record<string, string | number>;
    };
    const phasesSec = Object.fromEntries(report.phases.map((p) => [p.name, Math.round((p.endSec - p.startSec) * 100) / 100]));
    // Partition reads each input record and writes it into a piece; sort reads each piece and writes the output.
    const read = 2 * Number(report.summary.records) * 100;
    const write = read;
    if (iperfRuns.length > 0) iperfRuns.push(await iperf3Loopback(3));
    const iperf = iperfRuns.reduce<(typeof iperfRuns)[number] | undefined>((a, b) => (a === undefined || b.MBps > a.MBps ? b : a), undefined);
    const bytesMoved = read + write * REPLICATION;
    const ioBoundSec = iperf ? bytesMoved / (iperf.MBps * 1e6) : null;
    const endToEndSec = Math.round(((phasesSec.partition ?? 0) + (phasesSec.sort ?? 0)) * 100) / 100;
    const fio = fioVersion() ? diskRuns(work, read / 2, write / 2) : null;
    const diskBoundSec = fio ? 2 * fio.mixedPhaseSec : null;
    const round2 = (x: number): number => Math.round(x * 100) / 100;
    return {
      diskBoundSec: diskBoundSec === null ? null : round2(diskBoundSec),
      ratioToDiskBound: diskBoundSec ? round2(endToEndSec / diskBoundSec) : null,
      diskBoundOverIoBound: diskBoundSec && ioBoundSec ? round2(diskBoundSec / ioBoundSec) : null,
      fio,
      endToEndSec, ioBoundSec: ioBoundSec === null ? null : Math.round(ioBoundSec * 100) / 100,
      ratioToIoBound: ioBoundSec ? Math.round((endToEndSec / ioBoundSec) * 100) / 100 : null,
      bytesRead: read, bytesWritten: write, bytesMoved, iperf3MBps: iperf ? Math.round(iperf.MBps) : null,
      iperf3RunsMBps: iperfRuns.map((r) => Math.round(r.MBps)), phasesSec,
      valid: String(report.summary.valid), clients: options.clients, partitions: options.partitions,
    };
  } finally {
    await flyer(['cluster', 'down', '--dir', cluster]);
    rmSync(work, { recursive: true, force: true });
  }
}

/** fio in the cluster's directory, with the cluster idle after its run: one phase's mixed shape, and plain sequential rates. */
function diskRuns(dir: string, phaseReadBytes: number, phaseWriteBytes: number): NonNullable<EndToEndResult['fio']> {
  const mixed = fioMixedSec(dir, { writers: REPLICATION, writeBytesEach: phaseWriteBytes, readBytes: phaseReadBytes }, 8);
  const sequential = fioSequential(join(dir, 'fio.dat'), 2048, 16);
  return {
    mixedPhaseSec: Math.round(mixed.sec * 100) / 100, mixedWriteMBps: Math.round(mixed.writeMBps), mixedReadMBps: Math.round(mixed.readMBps),
    sequentialWriteMBps: Math.round(sequential.writeMBps), sequentialReadMBps: Math.round(sequential.readMBps),
  };
}
