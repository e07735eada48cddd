import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { growHeapForDataPlane } from '../../real/heap-growth.ts';
import { ThroughputRecorder } from '../../workloads/framework/throughput-recorder.ts';
import { workloadNamed } from '../../workloads/registry.ts';
import { errorLine } from '../cli-errors.ts';
import { withFs } from '../fs/fs-session.ts';
import type { PhaseCommand, WorkerMessage } from './worker-protocol.ts';

/** Progress lines at most this often: the coordinator only needs a live number. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * `flyer workload worker` (internal): one client of a real run. It connects to the cluster, then runs
 * the phases the coordinator sends on stdin with the same workload code a simulated client runs.
 */
export function registerWorkloadWorker(workload: Command): void {
  workload.command('worker', { hidden: true })
    .requiredOption('--cluster <dir>')
    .requiredOption('--name <workload>')
    .requiredOption('--client <index>')
    .requiredOption('--clients <count>')
    .requiredOption('--params <json>')
    .option('--mode <mode>', 'local or hosts', 'local')
    .action(async (flags: { cluster: string; name: string; client: string; clients: string; params: string; mode: string }) => {
      const send = (message: WorkerMessage): void => void process.stdout.write(`${JSON.stringify(message)}\n`);
      // A client moving chunks receives replies into fresh buffers too: the same heap room as storage nodes.
      growHeapForDataPlane();
      try {
        const definition = workloadNamed(flags.name);
        const params = JSON.parse(flags.params) as unknown;
        const clientIndex = Number(flags.client);
        const clientCount = Number(flags.clients);
        await withFs({ dir: flags.cluster, timeoutMs: 120_000 }, async ({ env, fs }) => {
          send({ type: 'ready' });
          let recorder: ThroughputRecorder | undefined;
          for await (const line of createInterface({ input: process.stdin })) {
            if (line.trim() === '') continue;
            const command = JSON.parse(line) as PhaseCommand;
            recorder ??= new ThroughputRecorder({ now: () => env.clock.wallNs() } as typeof env.clock, definition.binNs(params), command.originWallNs);
            const phase = definition.phases[command.phase];
            if (!phase) throw new Error(`no phase ${command.phase}`);
            let lastProgressMs = 0;
            const output = await phase.run({
              env, fs, clientIndex, clientCount, params, mode: flags.mode === 'hosts' ? 'hosts' : 'local', recorder,
              progress: (done) => {
                const nowMs = performance.now();
                if (nowMs - lastProgressMs < PROGRESS_INTERVAL_MS) return;
                lastProgressMs = nowMs;
                send({ type: 'progress', phase: command.phase, done });
              },
            }, command.input);
            send({ type: 'output', phase: command.phase, output: output ?? null, series: recorder.snapshot() });
            if (command.phase === definition.phases.length - 1) break;
          }
        });
        exitAfterFlush(0);
      } catch (error) {
        send({ type: 'error', message: errorLine(error) });
        exitAfterFlush(1);
      }
    });
}

/** Leaves once stdout is flushed: sockets and stdin would otherwise keep the process alive. */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.exit(code));
}
