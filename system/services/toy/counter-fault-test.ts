import { isFlyerError } from '../../env/errors.ts';
import type { Env, NodeId } from '../../env/types.ts';
import { toyIncrement, toyRead } from './messages.ts';

/**
 * The toy counter's fault test, written once against an Env and a cluster handle so the very same
 * test runs on a simulated cluster and on OS processes: clients increment with retries while replicas
 * are crashed and restarted; then every replica must converge and the history must be consistent.
 */
export interface CounterCluster {
  /** The Env the clients run in. */
  readonly env: Env;
  readonly leader: NodeId;
  readonly followers: readonly NodeId[];
  crash(node: NodeId): Promise<void>;
  restart(node: NodeId): Promise<void>;
  /** Called once the clients are done: a simulation stops injecting faults here (liveness phase). */
  beforeConvergence?(): Promise<void>;
}

export interface CounterTestOptions {
  readonly clients: number;
  readonly incrementsPerClient: number;
  readonly faultRounds: number;
  /** Time between a crash and the restart, and between rounds. */
  readonly faultGapNs: number;
  readonly callTimeoutNs: number;
  readonly convergenceTimeoutNs: number;
}

export interface AckedIncrement {
  readonly clientId: string;
  readonly seq: number;
  readonly value: number;
  readonly startNs: number;
  readonly endNs: number;
}

export interface LeaderRead {
  readonly value: number;
  readonly startNs: number;
}

export interface CounterTestResult {
  readonly acked: AckedIncrement[];
  readonly reads: LeaderRead[];
  readonly attempted: number;
  readonly finalStates: Array<{ node: NodeId; value: number; version: number }>;
  readonly converged: boolean;
  readonly violations: string[];
}

export async function runCounterFaultTest(cluster: CounterCluster, options: CounterTestOptions): Promise<CounterTestResult> {
  const { env } = cluster;
  const acked: AckedIncrement[] = [];
  const reads: LeaderRead[] = [];
  let attempted = 0;
  let clientsDone = 0;
  const clients = Array.from({ length: options.clients }, async (_, c) => {
    const clientId = `${env.nodeId}/c${c}`;
    const random = env.random(`toy.client.${c}`);
    for (let seq = 1; seq <= options.incrementsPerClient; seq++) {
      attempted++;
      for (let attempt = 0; ; attempt++) {
        const startNs = env.clock.now();
        try {
          const reply = await env.rpc.call(cluster.leader, toyIncrement, { clientId, seq }, { timeoutNs: options.callTimeoutNs });
          acked.push({ clientId, seq, value: reply.value, startNs, endNs: env.clock.now() });
          break;
        } catch (error) {
          if (!isFlyerError(error)) throw error;
          // Back off with jitter: a restarting leader should not face every client at once.
          await env.clock.sleep(Math.min(options.callTimeoutNs, 1_000_000 * 2 ** Math.min(attempt, 8)) * (0.5 + random.next()));
        }
      }
      if (random.chance(0.3)) {
        const startNs = env.clock.now();
        try {
          reads.push({ value: (await env.rpc.call(cluster.leader, toyRead, {}, { timeoutNs: options.callTimeoutNs })).value, startNs });
        } catch (error) {
          if (!isFlyerError(error)) throw error;
        }
      }
    }
    clientsDone++;
  });
  const faults = (async () => {
    const random = env.random('toy.faults');
    const replicas = [cluster.leader, ...cluster.followers];
    for (let round = 0; round < options.faultRounds && clientsDone < options.clients; round++) {
      await env.clock.sleep(options.faultGapNs * (0.5 + random.next()));
      const victim = random.pick(replicas);
      await cluster.crash(victim);
      await env.clock.sleep(options.faultGapNs * (0.5 + random.next()));
      await cluster.restart(victim);
    }
  })();
  await Promise.all([...clients, faults]);
  await cluster.beforeConvergence?.();
  const { finalStates, converged } = await awaitConvergence(cluster, options);
  const result = { acked, reads, attempted, finalStates, converged };
  return { ...result, violations: checkCounterHistory(result, cluster.leader) };
}

async function awaitConvergence(cluster: CounterCluster, options: CounterTestOptions): Promise<Pick<CounterTestResult, 'finalStates' | 'converged'>> {
  const { env } = cluster;
  const deadlineNs = env.clock.now() + options.convergenceTimeoutNs;
  const replicas = [cluster.leader, ...cluster.followers];
  for (;;) {
    const finalStates = await Promise.all(replicas.map(async (node) => {
      try {
        const reply = await env.rpc.call(node, toyRead, {}, { timeoutNs: options.callTimeoutNs });
        return { node, value: reply.value, version: reply.version };
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        return { node, value: -1, version: -1 };
      }
    }));
    const converged = finalStates.every((s) => s.version >= 0 && s.version === finalStates[0]!.version && s.value === finalStates[0]!.value);
    if (converged || env.clock.now() >= deadlineNs) return { finalStates, converged };
    await env.clock.sleep(options.callTimeoutNs / 4);
  }
}

/** The properties every run must satisfy, whatever faults it saw. */
export function checkCounterHistory(result: Omit<CounterTestResult, 'violations'>, leader: NodeId): string[] {
  const violations: string[] = [];
  const values = new Set<number>();
  for (const ack of result.acked) {
    if (values.has(ack.value)) violations.push(`value ${ack.value} acknowledged to two increments`);
    values.add(ack.value);
  }
  const byClient = new Map<string, AckedIncrement[]>();
  for (const ack of result.acked) byClient.set(ack.clientId, [...(byClient.get(ack.clientId) ?? []), ack]);
  for (const [client, acks] of byClient) {
    for (let i = 1; i < acks.length; i++) {
      if (acks[i]!.value <= acks[i - 1]!.value) violations.push(`${client}: later increment got a smaller value`);
    }
  }
  const leaderState = result.finalStates.find((s) => s.node === leader);
  const maxAcked = Math.max(0, ...result.acked.map((a) => a.value));
  if (!leaderState || leaderState.value < maxAcked) violations.push(`acknowledged increment lost: leader has ${leaderState?.value}, acked up to ${maxAcked}`);
  if (leaderState && leaderState.value > result.attempted) violations.push(`leader counted ${leaderState.value} increments but only ${result.attempted} were attempted`);
  for (const read of result.reads) {
    const mustSee = Math.max(0, ...result.acked.filter((a) => a.endNs < read.startNs).map((a) => a.value));
    if (read.value < mustSee) violations.push(`stale read: leader returned ${read.value} after ${mustSee} was acknowledged`);
  }
  if (!result.converged) violations.push(`replicas did not converge: ${JSON.stringify(result.finalStates)}`);
  return violations;
}
