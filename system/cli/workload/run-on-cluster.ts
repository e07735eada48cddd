import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FlyerError } from '../../env/errors.ts';
import type { RecordedSeries } from '../../workloads/framework/throughput-recorder.ts';
import type { CompletedRun, PhaseRecord, RunMode, WorkloadDefinition } from '../../workloads/framework/workload.ts';
import type { Progress } from '../progress.ts';
import type { PhaseCommand, WorkerMessage } from './worker-protocol.ts';

/** How long finished workers get to close their sessions and exit before they are killed. */
const WORKER_EXIT_WAIT_MS = 10_000;
const FLYER_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'flyer.mjs');

export interface ClusterRunOptions<P> {
  readonly clusterDir: string;
  readonly clients: number;
  readonly params: P;
  readonly progress: Progress;
  readonly mode?: RunMode;
}

interface Worker {
  readonly index: number;
  readonly child: ChildProcess;
  readonly messages: AsyncIterator<WorkerMessage>;
  done: number;
  stderrTail: string;
}

/**
 * Runs a workload on a real cluster: one worker process per client (`flyer workload worker`), each
 * connected to the cluster, all running one phase at a time with a barrier between phases, as the
 * simulated run does. Progress is summed over the workers; a worker that fails stops the run with its
 * message (and the others are killed), so no partial result is ever reported as complete.
 */
export async function runWorkloadOnCluster<P>(definition: WorkloadDefinition<P>, options: ClusterRunOptions<P>): Promise<CompletedRun<P>> {
  const wallStart = performance.now();
  // The clients' scratch space for this run (their sessions', gensort's files): removed below however
  // the run ends, even when clients had to be killed in the middle of a step.
  const scratch = mkdtempSync(join(tmpdir(), 'flyer-workload-'));
  const workers: Worker[] = [];
  try {
    for (let index = 0; index < options.clients; index++) workers.push(startWorker(definition.name, index, options, scratch));
    await Promise.all(workers.map(async (worker) => expect(worker, 'ready')));
    const originWallNs = Date.now() * 1e6;
    const phases: PhaseRecord[] = [];
    const series: RecordedSeries[] = [];
    let inputs: unknown[] = new Array(options.clients).fill(null);
    for (const [index, phase] of definition.phases.entries()) {
      const total = workers.reduce((sum, w) => sum + (phase.units?.(options.params, w.index, options.clients) ?? 0), 0);
      const startSec = (Date.now() * 1e6 - originWallNs) / 1e9;
      for (const worker of workers) {
        worker.done = 0;
        const command: PhaseCommand = { phase: index, input: inputs[worker.index] ?? null, originWallNs };
        worker.child.stdin!.write(`${JSON.stringify(command)}\n`);
      }
      const show = (): void => {
        const done = workers.reduce((sum, w) => sum + w.done, 0);
        options.progress.update(`${phase.name}: ${total > 0 ? `${Math.min(100, (100 * done) / total).toFixed(0)}%` : '...'} (${((Date.now() * 1e6 - originWallNs) / 1e9).toFixed(0)} s)`);
      };
      const timer = setInterval(show, 500);
      let results: Array<Extract<WorkerMessage, { type: 'output' }>>;
      try {
        results = await Promise.all(workers.map((worker) => expect(worker, 'output', () => show())));
      } finally {
        clearInterval(timer);
      }
      const outputs = results.map((r) => r.output);
      results.forEach((r, i) => (series[i] = r.series));
      phases.push({ name: phase.name, startSec, endSec: (Date.now() * 1e6 - originWallNs) / 1e9, outputs });
      options.progress.line(`${phase.name}: done in ${(phases.at(-1)!.endSec - startSec).toFixed(1)} s`);
      if (index + 1 < definition.phases.length) inputs = definition.planNext?.(index + 1, phases.map((p) => p.outputs), options.params, options.clients) ?? new Array(options.clients).fill(null);
    }
    // Workers leave on their own once stdin ends, after closing their cluster session and removing its
    // scratch directory; only one that has not left by then is killed (in the finally below).
    for (const worker of workers) worker.child.stdin!.end();
    await Promise.all(workers.map((worker) => exited(worker.child, WORKER_EXIT_WAIT_MS)));
    return { params: options.params, mode: options.mode ?? 'local', clientCount: options.clients, phases, series, wallSec: (performance.now() - wallStart) / 1000 };
  } finally {
    const killed = workers.filter((worker) => worker.child.exitCode === null && worker.child.signalCode === null);
    for (const worker of killed) worker.child.kill('SIGKILL');
    await Promise.all(killed.map((worker) => exited(worker.child, WORKER_EXIT_WAIT_MS)));
    rmSync(scratch, { recursive: true, force: true });
  }
}

function startWorker(name: string, index: number, options: ClusterRunOptions<unknown>, scratch: string): Worker {
  const child = spawn(process.execPath, [
    FLYER_BIN, 'workload', 'worker', '--cluster', options.clusterDir, '--name', name, '--client', String(index),
    '--clients', String(options.clients), '--params', JSON.stringify(options.params), '--mode', options.mode ?? 'local',
  ], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FLYER_SCRATCH_DIR: scratch } });
  const worker: Worker = { index, child, messages: readMessages(child), done: 0, stderrTail: '' };
  child.stderr!.on('data', (chunk: Buffer) => { worker.stderrTail = (worker.stderrTail + chunk.toString()).slice(-2000); });
  return worker;
}

async function* readMessages(child: ChildProcess): AsyncGenerator<WorkerMessage> {
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('{')) yield JSON.parse(line) as WorkerMessage;
  }
}

async function expect<T extends WorkerMessage['type']>(worker: Worker, type: T, onProgress?: () => void): Promise<Extract<WorkerMessage, { type: T }>> {
  for (;;) {
    const next = await worker.messages.next();
    if (next.done) {
      throw new FlyerError('CLUSTER_NODE_START_FAILED', `workload client ${worker.index} exited before '${type}': ${worker.stderrTail.trim().split('\n').slice(-3).join(' | ')}`);
    }
    const message = next.value;
    if (message.type === 'error') throw new FlyerError('RPC_HANDLER_FAILED', `workload client ${worker.index}: ${message.message}`);
    if (message.type === 'progress') {
      worker.done = message.done;
      onProgress?.();
      continue;
    }
    if (message.type === type) return message as Extract<WorkerMessage, { type: T }>;
  }
}

/** Resolves when `child` has exited, or after `timeoutMs`, whichever comes first. */
function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const onExit = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve();
    }, timeoutMs);
    child.once('exit', onExit);
  });
}
