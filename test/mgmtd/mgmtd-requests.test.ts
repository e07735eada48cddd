import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import type { Env, RpcMethod } from '../../system/env/types.ts';
import {
  mgmtdCreateTargets, mgmtdExtendSession, mgmtdGetRouting, mgmtdHeartbeat, mgmtdOfflineTarget, mgmtdRegisterNode, mgmtdRemoveTarget,
  mgmtdSetChains, mgmtdSetChainTable, mgmtdUpdateChain,
} from '../../system/services/mgmtd/messages.ts';
import { primaryHint } from '../../system/services/mgmtd/mgmtd-errors.ts';
import type { ChainInfo, RoutingInfo } from '../../system/services/mgmtd/types.ts';
import { MgmtdTestCluster, MS, S } from './cluster.ts';

// Goal: every manager RPC validates its input: malformed requests get INVALID_ARGUMENT, semantically
// wrong ones the specific MGMTD_* code, and the manager keeps serving afterwards. The admin operations
// do what 3FS's do: updateChain add/remove, offlineTarget, removeTarget, chain-table versions, sessions.

type Case = readonly [name: string, method: RpcMethod<never, unknown>, request: unknown, code: string];

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return isFlyerError(error) ? error.code : `uncoded: ${String(error)}`;
  }
}

function tester(cluster: MgmtdTestCluster, script: (env: Env) => Promise<string[]>): { problems: string[]; done: () => boolean } {
  const problems: string[] = [];
  let done = false;
  cluster.sim.addNode('tester', {
    boot: async (env) => {
      await env.clock.sleep(2500 * MS); // setup is done, bootstrapping is over
      problems.push(...await script(env));
      done = true;
    },
  });
  return { problems, done: () => done };
}

test('bad requests get coded errors and the manager keeps serving', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 31, storageNodes: 4, targetsPerNode: 3 });
  const chain = cluster.plan.chains.find((c) => c.targetIds.some((id) => cluster.plan.targets.find((x) => x.targetId === id)!.nodeId === 'storage-1'))!;
  const [t1] = chain.targetIds;
  const run = tester(cluster, async (env) => {
    const mgmtd = cluster.client(env);
    await mgmtd.refresh();
    const before = mgmtd.routing()!.routingVersion;
    const primary = mgmtd.primary!;
    const hb = { nodeId: 'storage-1', type: 'STORAGE', hbVersion: 1e12, wallNs: env.clock.wallNs(), targets: [] };
    const report = { targetId: 5, localState: 'UPTODATE', chainVersion: 1, usedBytes: 0, lowSpace: false };
    const m = <Req, Res>(method: RpcMethod<Req, Res>): RpcMethod<never, unknown> => method as unknown as RpcMethod<never, unknown>;
    const cases: Case[] = [
      // Malformed: INVALID_ARGUMENT.
      ['registerNode null', m(mgmtdRegisterNode), null, 'INVALID_ARGUMENT'],
      ['registerNode empty id', m(mgmtdRegisterNode), { nodeId: '', type: 'STORAGE' }, 'INVALID_ARGUMENT'],
      ['registerNode bad type', m(mgmtdRegisterNode), { nodeId: 'x', type: 'ROUTER' }, 'INVALID_ARGUMENT'],
      ['registerNode long id', m(mgmtdRegisterNode), { nodeId: 'x'.repeat(300), type: 'CLIENT' }, 'INVALID_ARGUMENT'],
      ['registerNode as the manager', m(mgmtdRegisterNode), { nodeId: primary, type: 'MGMTD' }, 'INVALID_ARGUMENT'],
      ['registerNode changes type', m(mgmtdRegisterNode), { nodeId: 'storage-2', type: 'META' }, 'INVALID_ARGUMENT'],
      ['heartbeat empty', m(mgmtdHeartbeat), {}, 'INVALID_ARGUMENT'],
      ['heartbeat version 0', m(mgmtdHeartbeat), { ...hb, hbVersion: 0 }, 'INVALID_ARGUMENT'],
      ['heartbeat fractional version', m(mgmtdHeartbeat), { ...hb, hbVersion: 1.5 }, 'INVALID_ARGUMENT'],
      ['heartbeat targets not a list', m(mgmtdHeartbeat), { ...hb, targets: 'all' }, 'INVALID_ARGUMENT'],
      ['heartbeat bad local state', m(mgmtdHeartbeat), { ...hb, targets: [{ ...report, localState: 'HAPPY' }] }, 'INVALID_ARGUMENT'],
      ['heartbeat duplicate targets', m(mgmtdHeartbeat), { ...hb, targets: [report, report] }, 'INVALID_ARGUMENT'],
      ['heartbeat META with targets', m(mgmtdHeartbeat), { ...hb, type: 'META', targets: [report] }, 'INVALID_ARGUMENT'],
      ['heartbeat wallNs string', m(mgmtdHeartbeat), { ...hb, wallNs: 'now' }, 'INVALID_ARGUMENT'],
      ['getRouting negative', m(mgmtdGetRouting), { knownVersion: -1 }, 'INVALID_ARGUMENT'],
      ['getRouting string', m(mgmtdGetRouting), 'latest', 'INVALID_ARGUMENT'],
      ['createTargets none', m(mgmtdCreateTargets), { targets: [] }, 'INVALID_ARGUMENT'],
      ['createTargets negative id', m(mgmtdCreateTargets), { targets: [{ targetId: -5, nodeId: 'a', diskIndex: 0 }] }, 'INVALID_ARGUMENT'],
      ['createTargets too many', m(mgmtdCreateTargets), { targets: Array.from({ length: 100_001 }, (_, i) => ({ targetId: i + 1, nodeId: 'a', diskIndex: 0 })) }, 'INVALID_ARGUMENT'],
      ['createTargets duplicates', m(mgmtdCreateTargets), { targets: [{ targetId: 9, nodeId: 'a', diskIndex: 0 }, { targetId: 9, nodeId: 'b', diskIndex: 0 }] }, 'INVALID_ARGUMENT'],
      ['setChains empty chain', m(mgmtdSetChains), { chains: [{ chainId: 1, targetIds: [] }] }, 'INVALID_ARGUMENT'],
      ['setChains repeated target', m(mgmtdSetChains), { chains: [{ chainId: 1, targetIds: [3, 3] }] }, 'INVALID_ARGUMENT'],
      ['setChains 65 targets', m(mgmtdSetChains), { chains: [{ chainId: 1, targetIds: Array.from({ length: 65 }, (_, i) => i + 1) }] }, 'INVALID_ARGUMENT'],
      ['setChainTable id 0', m(mgmtdSetChainTable), { tableId: 0, chainIds: [1] }, 'INVALID_ARGUMENT'],
      ['setChainTable no chains', m(mgmtdSetChainTable), { tableId: 1, chainIds: [] }, 'INVALID_ARGUMENT'],
      ['updateChain bad op', m(mgmtdUpdateChain), { chainId: chain.chainId, op: 'rotate', targetId: t1 }, 'INVALID_ARGUMENT'],
      ['updateChain no target', m(mgmtdUpdateChain), { chainId: chain.chainId, op: 'add' }, 'INVALID_ARGUMENT'],
      ['offlineTarget string id', m(mgmtdOfflineTarget), { targetId: 'x' }, 'INVALID_ARGUMENT'],
      ['removeTarget empty', m(mgmtdRemoveTarget), {}, 'INVALID_ARGUMENT'],
      ['extendSession empty client', m(mgmtdExtendSession), { clientId: '', nodeId: 'n' }, 'INVALID_ARGUMENT'],
      ['extendSession numeric node', m(mgmtdExtendSession), { clientId: 'c', nodeId: 7 }, 'INVALID_ARGUMENT'],
      // Well-formed but refused: specific codes.
      ['heartbeat unknown node', m(mgmtdHeartbeat), { ...hb, nodeId: 'ghost' }, 'MGMTD_NODE_UNKNOWN'],
      ['heartbeat clock skew', m(mgmtdHeartbeat), { ...hb, wallNs: env.clock.wallNs() - 60 * S }, 'MGMTD_CLOCK_SKEW'],
      ['heartbeat stale version', m(mgmtdHeartbeat), { ...hb, hbVersion: 1 }, 'MGMTD_HEARTBEAT_STALE'],
      ['heartbeat wrong type', m(mgmtdHeartbeat), { ...hb, type: 'CLIENT' }, 'INVALID_ARGUMENT'],
      ['createTargets extra', m(mgmtdCreateTargets), { targets: [{ targetId: 900001, nodeId: 'storage-1', diskIndex: 5 }, { targetId: 900002, nodeId: 'storage-1', diskIndex: 6 }] }, 'ok'],
      ['createTargets moves a target', m(mgmtdCreateTargets), { targets: [{ targetId: 900001, nodeId: 'storage-2', diskIndex: 5 }] }, 'INVALID_ARGUMENT'],
      ['setChains two targets on one node', m(mgmtdSetChains), { chains: [{ chainId: 7000, targetIds: [900001, 900002] }] }, 'MGMTD_CHAIN_INVALID'],
      ['setChains target in another chain', m(mgmtdSetChains), { chains: [{ chainId: 7000, targetIds: [900001, t1] }] }, 'MGMTD_CHAIN_INVALID'],
      ['setChains changes a chain', m(mgmtdSetChains), { chains: [{ chainId: chain.chainId, targetIds: [...chain.targetIds, 900001] }] }, 'MGMTD_CHAIN_INVALID'],
      ['setChains same chain again', m(mgmtdSetChains), { chains: [{ chainId: chain.chainId, targetIds: [...chain.targetIds].reverse() }] }, 'ok'],
      ['setChains unknown target', m(mgmtdSetChains), { chains: [{ chainId: 7001, targetIds: [424242] }] }, 'MGMTD_TARGET_UNKNOWN'],
      ['setChains one replica', m(mgmtdSetChains), { chains: [{ chainId: 7002, targetIds: [900001] }] }, 'ok'],
      ['setChainTable mixed replicas', m(mgmtdSetChainTable), { tableId: 2, chainIds: [chain.chainId, 7002] }, 'MGMTD_CHAIN_INVALID'],
      ['setChainTable unknown chain', m(mgmtdSetChainTable), { tableId: 2, chainIds: [55555] }, 'MGMTD_CHAIN_UNKNOWN'],
      ['updateChain unknown chain', m(mgmtdUpdateChain), { chainId: 55555, op: 'add', targetId: 900002 }, 'MGMTD_CHAIN_UNKNOWN'],
      ['updateChain unknown target', m(mgmtdUpdateChain), { chainId: chain.chainId, op: 'add', targetId: 424242 }, 'MGMTD_TARGET_UNKNOWN'],
      ['updateChain add on a node already in', m(mgmtdUpdateChain), { chainId: chain.chainId, op: 'add', targetId: 900002 }, 'MGMTD_CHAIN_INVALID'],
      ['updateChain add a chained target', m(mgmtdUpdateChain), { chainId: chain.chainId, op: 'add', targetId: 900001 }, 'MGMTD_CHAIN_INVALID'],
      ['updateChain remove SERVING', m(mgmtdUpdateChain), { chainId: chain.chainId, op: 'remove', targetId: t1 }, 'MGMTD_CHAIN_INVALID'],
      ['updateChain remove non-member', m(mgmtdUpdateChain), { chainId: chain.chainId, op: 'remove', targetId: 900002 }, 'MGMTD_CHAIN_INVALID'],
      ['removeTarget in a chain', m(mgmtdRemoveTarget), { targetId: t1 }, 'MGMTD_CHAIN_INVALID'],
      ['removeTarget unknown', m(mgmtdRemoveTarget), { targetId: 424242 }, 'MGMTD_TARGET_UNKNOWN'],
      ['offlineTarget unknown', m(mgmtdOfflineTarget), { targetId: 424242 }, 'MGMTD_TARGET_UNKNOWN'],
    ];
    const problems: string[] = [];
    for (const [name, method, request, code] of cases) {
      const got = await codeOf(env.rpc.call(primary, method, request as never, { timeoutNs: 500 * MS }));
      if (got !== code) problems.push(`${name}: got ${got}, want ${code}`);
    }
    const other = cluster.managers.find((id) => id !== primary)!;
    try {
      await env.rpc.call(other, mgmtdGetRouting, { knownVersion: 0 }, { timeoutNs: 200 * MS });
      problems.push('a non-primary answered getRoutingInfo');
    } catch (error) {
      if (!isFlyerError(error, 'MGMTD_NOT_PRIMARY') || primaryHint(error) !== primary) problems.push(`non-primary: ${String(error)}`);
    }
    const after = await mgmtd.call(mgmtdGetRouting, { knownVersion: 0 });
    if (!after.routing || after.routing.routingVersion <= before) problems.push('the manager stopped serving or the successful changes did not bump the version');
    return problems;
  });
  cluster.sim.start();
  await cluster.sim.run({ untilNs: 10 * S, stopWhen: run.done });
  t.true(run.done());
  t.deepEqual(run.problems, []);
  t.deepEqual(cluster.sim.failures, []);
  t.deepEqual(cluster.violations, []);
  for (const service of cluster.services.values()) t.is(service.backgroundFailures, 0);
});

test('admin operations: add a target to a chain, offline it, remove it, version chain tables, expire sessions', async (t) => {
  const cluster = new MgmtdTestCluster({ seed: 32, storageNodes: 4, targetsPerNode: 3 });
  const plan = cluster.plan;
  const chain = plan.chains[0]!;
  const inChain = new Set(chain.targetIds.map((id) => plan.targets.find((x) => x.targetId === id)!.nodeId));
  const spareNode = cluster.storage.find((node) => !inChain.has(node))!;
  const extra = 990001;
  const run = tester(cluster, async (env) => {
    const problems: string[] = [];
    const mgmtd = cluster.client(env);
    const expect = (ok: boolean, what: string): void => {
      if (!ok) problems.push(what);
    };
    const latest = async (): Promise<RoutingInfo> => {
      await mgmtd.refresh();
      return mgmtd.routing()!;
    };
    const chainNow = async (): Promise<ChainInfo> => (await latest()).chains[String(chain.chainId)]!;
    const v0 = (await chainNow()).chainVersion;

    await mgmtd.createTargets({ targets: [{ targetId: extra, nodeId: spareNode, diskIndex: 0 }] });
    await mgmtd.updateChain({ chainId: chain.chainId, op: 'add', targetId: extra });
    let c = await chainNow();
    expect(c.chainVersion === v0 + 1 && c.targets.at(-1)?.targetId === extra && c.targets.at(-1)?.publicState === 'OFFLINE', `after add: ${JSON.stringify(c)}`);
    await env.clock.sleep(2 * S);
    c = await chainNow();
    expect(c.targets.length === 4 && c.targets.every((x) => x.publicState === 'SERVING'), `the added target did not sync and serve: ${JSON.stringify(c)}`);

    const beforeOffline = c.chainVersion;
    await mgmtd.offlineTarget(extra);
    c = await chainNow();
    expect(c.chainVersion === beforeOffline + 1 && c.targets.at(-1)?.targetId === extra && c.targets.at(-1)?.publicState === 'OFFLINE', `after offline: ${JSON.stringify(c)}`);
    await env.clock.sleep(1 * S);
    c = await chainNow();
    expect(c.targets.at(-1)?.publicState === 'OFFLINE', `the offlined target came back: ${JSON.stringify(c)}`);

    await mgmtd.updateChain({ chainId: chain.chainId, op: 'remove', targetId: extra });
    let routing = await latest();
    c = routing.chains[String(chain.chainId)]!;
    expect(c.targets.length === 3 && routing.targets[String(extra)]?.chainId === 0, `after remove: ${JSON.stringify(c)}`);
    await mgmtd.removeTarget(extra);
    routing = await latest();
    expect(routing.targets[String(extra)] === undefined, 'the removed target is still listed');

    const same = await mgmtd.setChainTable({ tableId: 1, chainIds: plan.chainIds });
    const smaller = await mgmtd.setChainTable({ tableId: 1, chainIds: plan.chainIds.slice(0, 2) });
    routing = await latest();
    expect(same.tableVersion === 1 && smaller.tableVersion === 2, `table versions ${same.tableVersion}, ${smaller.tableVersion}`);
    expect(Object.keys(routing.chainTables['1'] ?? {}).join() === '1,2', 'old table versions are kept');

    await mgmtd.extendClientSession('client-a');
    const primary = cluster.services.get(mgmtd.primary!)!;
    expect(primary.clientSessions().some((s) => s.clientId === 'client-a' && s.nodeId === 'tester'), 'session missing');
    await env.clock.sleep(3 * S);
    expect(!primary.clientSessions().some((s) => s.clientId === 'client-a'), 'session did not expire');
    return problems;
  });
  cluster.sim.start();
  await cluster.sim.run({ untilNs: 20 * S, stopWhen: run.done });
  t.true(run.done());
  t.deepEqual(run.problems, []);
  t.deepEqual(cluster.sim.failures, []);
  t.deepEqual(cluster.violations, []);
});
