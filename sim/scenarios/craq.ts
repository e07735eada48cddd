import { isFlyerError } from '../../system/env/errors.ts';
import type { Env } from '../../system/env/types.ts';
import { chunkIdHex, chunkIdOf } from '../../system/services/common/chunk-key.ts';
import type { ChunkRef } from '../../system/services/client/storage-client.ts';
import { storageGetAllChunkMetadata, type WireChunkMeta } from '../../system/services/storage/messages.ts';
import { checkRegisterHistory } from '../checkers/register-linearizability.ts';
import { CraqCluster, MS, S } from './craq-cluster.ts';
import { ABSENT_VALUE, CraqHistory, readValue, runCraqClient } from './craq-workload.ts';
import { createNemesis } from './fault-setup.ts';
import type { Scenario, ScenarioContext, ScenarioRun } from './types.ts';

/**
 * CRAQ under faults: 2 managers, 5 storage nodes with 3 targets each (5 chains of 3), 2 clients
 * overwriting and reading 6 chunks while storage nodes and managers crash and restart, the network
 * partitions, drops, delays and duplicates messages, and disks fail. Then the liveness phase: faults
 * stop, every target must be SERVING again and every chain's replicas identical by the deadline.
 * Checked: per-chunk linearizability of the whole history (so no acknowledged write is lost), and
 * replica equality after convergence; commit versions only increase is asserted inside every store.
 */
const CLIENTS = ['client-1', 'client-2'];
const CHUNK_SIZE_BYTES = 64 * 1024;
const SAFETY_NS_MAX = 30 * S;
const LIVENESS_NS = 30 * S;

export const craqScenario: Scenario = {
  name: 'craq',
  description: 'CRAQ chains of 3 on 5 storage nodes with 2 managers, clients writing and reading under faults',
  async run(context: ScenarioContext): Promise<ScenarioRun> {
    const cluster = new CraqCluster({ seed: context.seed, managers: 2, storageNodes: 5, targetsPerNode: 3, replication: 3 });
    const { sim } = cluster;
    const history = new CraqHistory();
    const chunks: ChunkRef[] = Array.from({ length: 6 }, (_, i) => ({
      chainId: cluster.plan.chainIds[i % cluster.plan.chainIds.length]!,
      chunkId: chunkIdHex(chunkIdOf(1000 + i, 0)),
    }));
    const violations: string[] = [];
    let clientsDone = 0;
    let checked = false;
    for (const [clientIndex, id] of CLIENTS.entries()) {
      sim.addNode(id, {
        boot: async (env) => {
          const mgmtd = cluster.mgmtdClient(env);
          await cluster.register(env, mgmtd, 'CLIENT');
          if (!(await cluster.waitAllServing(env, mgmtd, 10 * S))) violations.push(`${id}: the cluster never became ready`);
          const client = cluster.storageClient(env, mgmtd);
          await runCraqClient(env, client, history, {
            chunks, chunkSizeBytes: CHUNK_SIZE_BYTES, opsPerClient: 40, writeFraction: 0.5, thinkNsMax: 50 * MS, clientIndex: clientIndex + 1,
          });
          clientsDone++;
        },
      });
    }
    const nemesis = createNemesis(sim, context, [...cluster.storage, ...cluster.managers], 2);
    sim.addNode('checker', {
      boot: async (env) => {
        // The liveness phase starts when the clients are done (or the safety phase runs out).
        while (clientsDone < CLIENTS.length && env.clock.now() < SAFETY_NS_MAX) await env.clock.sleep(100 * MS);
        nemesis.calm();
        const mgmtd = cluster.mgmtdClient(env);
        const deadlineNs = env.clock.now() + LIVENESS_NS;
        if (!(await cluster.waitAllServing(env, mgmtd, deadlineNs))) {
          const chains = Object.values(mgmtd.current()?.chains ?? {}).map((c) => `${c.chainId}@v${c.chainVersion}:${c.targets.map((t) => `${t.targetId}=${t.publicState}`).join(',')}`);
          violations.push(`liveness: not every target SERVING ${LIVENESS_NS / S} s after faults stopped: ${chains.join(' ')}`);
        } else if (!(await waitUntil(env, () => clientsDone === CLIENTS.length, deadlineNs))) {
          violations.push(`liveness: ${CLIENTS.length - clientsDone} clients still had operations running ${LIVENESS_NS / S} s after faults stopped`);
        } else {
          // Replicas are compared only once the workload is over: a write still in flight legitimately
          // leaves a pending version on part of its chain. From then on they must converge by the deadline.
          violations.push(...(await finalReads(env, cluster, mgmtd, chunks, history)));
          violations.push(...(await replicasConverge(env, cluster, mgmtd, deadlineNs)));
        }
        checked = true;
      },
    });
    sim.start();
    nemesis.start();
    await sim.run({ untilNs: SAFETY_NS_MAX + LIVENESS_NS + 10 * S, stopWhen: () => checked });
    if (!checked) violations.push('liveness: the checker did not finish');
    violations.push(...checkHistories(history));
    violations.push(...sim.failures);
    return {
      sim,
      violations,
      stats: {
        acked: history.acknowledgedWrites, unknown: history.unknownWrites, failedReads: history.failedReads,
        crashes: nemesis.injected.crashes, partitions: nemesis.injected.partitions, dropped: sim.netFaults.droppedMessages,
      },
    };
  },
};

/** After convergence every chunk is read once more: these reads close each history. */
async function finalReads(env: Env, cluster: CraqCluster, mgmtd: ReturnType<CraqCluster['mgmtdClient']>, chunks: ChunkRef[], history: CraqHistory): Promise<string[]> {
  const client = cluster.storageClient(env, mgmtd);
  const violations: string[] = [];
  for (const chunk of chunks) {
    const invokeNs = env.clock.now();
    const value = await readValue(client, chunk, 64 * 1024, history);
    if (value === undefined) violations.push(`final read of ${chunk.chunkId} failed after convergence: ${history.lastReadError}`);
    else history.record(chunk.chunkId, { kind: 'read', value, invokeNs, completeNs: env.clock.now() });
  }
  return violations;
}

/** Polls until `condition` holds (true) or the deadline passes (false). */
async function waitUntil(env: Env, condition: () => boolean, deadlineNs: number): Promise<boolean> {
  while (!condition()) {
    if (env.clock.now() >= deadlineNs) return false;
    await env.clock.sleep(50 * MS);
  }
  return true;
}

/**
 * Replica equality by the deadline: compared again while it does not hold yet, because background work
 * (a head re-driving an update that failed mid-chain, a resync) may still be finishing.
 */
async function replicasConverge(env: Env, cluster: CraqCluster, mgmtd: ReturnType<CraqCluster['mgmtdClient']>, deadlineNs: number): Promise<string[]> {
  for (;;) {
    const violations = await replicasIdentical(env, cluster, mgmtd, deadlineNs);
    if (violations.length === 0 || env.clock.now() + 100 * MS >= deadlineNs) return violations;
    env.sometimes('craq: replicas still differed at a first comparison after the workload');
    env.log.info('craq: replicas differ; comparing again', { differences: violations.slice(0, 4) });
    await env.clock.sleep(100 * MS);
  }
}

/** Every target of a chain must hold the same chunks with the same versions and checksums. */
async function replicasIdentical(env: Env, cluster: CraqCluster, mgmtd: ReturnType<CraqCluster['mgmtdClient']>, deadlineNs: number): Promise<string[]> {
  const routing = mgmtd.current()!;
  const violations: string[] = [];
  for (const chain of Object.values(routing.chains)) {
    const views: Array<{ targetId: number; metas: Map<string, WireChunkMeta> }> = [];
    for (const { targetId } of chain.targets) {
      const nodeId = routing.targets[String(targetId)]!.nodeId;
      try {
        const reply = await env.rpc.call(nodeId, storageGetAllChunkMetadata, { targetId }, { timeoutNs: Math.max(1, deadlineNs - env.clock.now()) });
        views.push({ targetId, metas: new Map(reply.metas.map((m) => [m.chunkId, m])) });
      } catch (error) {
        if (!isFlyerError(error)) throw error;
        violations.push(`chain ${chain.chainId}: target ${targetId} metadata unreadable: ${error.code}`);
      }
    }
    const [first, ...rest] = views;
    for (const other of rest) {
      const ids = new Set([...first!.metas.keys(), ...other.metas.keys()]);
      for (const id of ids) {
        const a = first!.metas.get(id);
        const b = other.metas.get(id);
        if (!a || !b || a.commitVersion !== b.commitVersion || a.crc32c !== b.crc32c || a.lengthBytes !== b.lengthBytes || a.updateVersion !== a.commitVersion || b.updateVersion !== b.commitVersion) {
          violations.push(`chain ${chain.chainId}: chunk ${id} differs between targets ${first!.targetId} and ${other.targetId}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        }
      }
    }
  }
  return violations;
}

function checkHistories(history: CraqHistory): string[] {
  const violations: string[] = [];
  for (const [chunkId, ops] of history.byChunk) {
    const result = checkRegisterHistory(ops, ABSENT_VALUE);
    if (!result.ok) {
      const trace = ops.map((op) => `${op.kind}(${op.value})@[${(op.invokeNs / 1e6).toFixed(1)},${op.completeNs === undefined ? '?' : (op.completeNs / 1e6).toFixed(1)}]ms`);
      violations.push(`chunk ${chunkId}: history of ${ops.length} ops is not linearizable: ${trace.join(' ')}`);
    }
  }
  return violations;
}
