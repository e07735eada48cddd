/**
 * One client process of the meta benchmark (bench/meta.bench.ts), forked by it: an mdtest task. It
 * connects to the meta server (and the echo server of the baseline), makes its own directory, and on
 * each command from the parent runs one phase over its N files with Q calls in flight, replying with
 * its wall time. Not a benchmark by itself (run.ts only lists *.bench.ts).
 */
import { createRealEnv, type PeerAddress } from '../system/real/real-env.ts';
import { MetaClient } from '../system/services/meta/meta-client.ts';
import { benchEcho, WARMUP_FILES, type Phase, type PhaseDone, type WorkerSetup } from './meta-bench-protocol.ts';

async function main(): Promise<void> {
  const setup = await new Promise<WorkerSetup>((resolve) => process.once('message', (m) => resolve(m as WorkerSetup)));
  const nodeId = `bench-client-${setup.index}`;
  const env = createRealEnv({ nodeId, peers: setup.peers, dataDir: setup.dataDir, logLevel: 'error' });
  await env.start();
  const caller = { clientId: nodeId, uid: 0, gid: 0 };
  const meta = new MetaClient(env, { servers: setup.metaServers, caller, attemptTimeoutNs: 30e9, totalTimeoutNs: 120e9 });
  const dir = `/bench/w${setup.index}`;
  await meta.mkdirs(dir, { recursive: true });
  const path = (i: number): string => `${dir}/file.${i}`;
  const echoRequest = { caller, path: path(0) };

  const warm = (i: number): string => `${dir}/warmup.${i}`;
  const ops: Record<Phase, (i: number) => Promise<unknown>> = {
    warmup: async (i) => {
      if (i >= WARMUP_FILES) return;
      await meta.create(warm(i), { exclusive: true });
      await meta.stat(warm(i));
      await meta.remove(warm(i), { expect: 'file' });
    },
    echo: () => env.rpc.call(setup.echoNode, benchEcho, echoRequest),
    create: (i) => meta.create(path(i), { exclusive: true }),
    stat: (i) => meta.stat(path(i)),
    remove: (i) => meta.remove(path(i), { expect: 'file' }),
  };

  process.on('message', (message) => {
    const { phase } = message as { phase: Phase | 'exit' };
    if (phase === 'exit') {
      void env.close().then(() => process.exit(0));
      return;
    }
    void runPhase(phase, ops[phase], setup).then((done) => process.send!(done));
  });
  process.send!({ ready: true });
}

/** N calls, Q at a time (each of Q loops takes the next index when its call returns). */
async function runPhase(phase: Phase, op: (i: number) => Promise<unknown>, setup: WorkerSetup): Promise<PhaseDone> {
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const startedMs = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: setup.inFlight }, async () => {
    while (next < setup.files) {
      const i = next++;
      try {
        await op(i);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  }));
  const cpu = process.cpuUsage(cpuBefore);
  return { phase, ops: setup.files, ms: performance.now() - startedMs, cpuUs: cpu.user + cpu.system, errors, ...(firstError ? { firstError } : {}) };
}

await main();
