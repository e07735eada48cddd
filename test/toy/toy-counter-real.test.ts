import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TOY_TEST_OPTIONS } from '../../sim/scenarios/toy-counter.ts';
import { createRealEnv } from '../../system/real/real-env.ts';
import { runCounterFaultTest } from '../../system/services/toy/counter-fault-test.ts';

// Goal: the toy counter passes the same fault test in real mode that it passes in simulation: the
// same service code as three OS processes on loopback, the same test function and options, with
// replicas SIGKILLed and restarted while clients increment.

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const flyer = join(root, 'bin', 'flyer.mjs');
const LEADER = 'toy-leader';
const FOLLOWERS = ['toy-follower-1', 'toy-follower-2'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

test('the toy counter passes its fault test as OS processes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flyer-toy-'));
  const replicas = [LEADER, ...FOLLOWERS];
  const ports = new Map<string, number>();
  for (const id of replicas) ports.set(id, await freePort());
  const peers = Object.fromEntries(replicas.map((id) => [id, { host: '127.0.0.1', port: ports.get(id)! }]));
  const peerList = replicas.map((id) => `${id}=127.0.0.1:${ports.get(id)}`).join(',');
  const children = new Map<string, ChildProcess>();

  const launch = (id: string): Promise<void> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [flyer, 'toy', 'serve', '--node', id, '--listen', `127.0.0.1:${ports.get(id)}`,
      '--peers', peerList, '--data-dir', join(dir, id), '--leader', LEADER, '--followers', FOLLOWERS.join(',')],
    { stdio: ['ignore', 'pipe', 'ignore'] });
    children.set(id, child);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.includes('"ready":true')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${id} exited with ${code} before it was ready`)));
  });
  const kill = async (id: string): Promise<void> => {
    const child = children.get(id);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  let crashes = 0;
  const client = createRealEnv({ nodeId: 'toy-client', peers, dataDir: join(dir, 'client'), seed: 1, logLevel: 'error' });
  try {
    await Promise.all(replicas.map(launch));
    await client.start();
    const result = await runCounterFaultTest({
      env: client,
      leader: LEADER,
      followers: FOLLOWERS,
      crash: async (id) => {
        crashes++;
        await kill(id);
      },
      restart: launch,
    }, TOY_TEST_OPTIONS);
    t.deepEqual(result.violations, []);
    t.is(result.acked.length, TOY_TEST_OPTIONS.clients * TOY_TEST_OPTIONS.incrementsPerClient);
    t.true(result.converged);
    t.true(crashes >= 1, 'replicas were killed during the run');
    t.is(result.finalStates[0]!.value, result.acked.length, 'exactly-once: one increment per acknowledged request');
  } finally {
    await client.close();
    await Promise.all(replicas.map(kill));
    await rm(dir, { recursive: true, force: true });
  }
});
