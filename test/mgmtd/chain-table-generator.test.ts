import test from 'ava';
import { isFlyerError } from '../../system/env/errors.ts';
import { generateChainTable, type ChainTablePlan } from '../../system/services/mgmtd/chain-table-generator.ts';

// Goal: the generated placement is balanced (every pair of nodes shares about the same number of chains,
// within +/-1 of the ideal r(k-1)/(v-1)), uses every node equally, never puts two replicas of a chain on
// one node, uses every target exactly once, follows the documented id scheme, and is deterministic.

const nodesOf = (v: number): string[] => Array.from({ length: v }, (_, i) => `storage-${i + 1}`);

function checkPlan(t: import('ava').ExecutionContext, plan: ChainTablePlan, v: number, r: number, k: number, disks: number): void {
  const byId = new Map(plan.targets.map((x) => [x.targetId, x]));
  t.is(plan.targets.length, v * r * disks, 'targets');
  t.is(plan.chains.length, (v * r * disks) / k, 'chains');
  t.is(new Set(plan.chainIds).size, plan.chains.length, 'table lists every chain once');
  const used = new Set<number>();
  for (const chain of plan.chains) {
    t.is(chain.targetIds.length, k);
    const targets = chain.targetIds.map((id) => byId.get(id)!);
    t.is(new Set(targets.map((x) => x.nodeId)).size, k, `chain ${chain.chainId} has two targets on one node`);
    t.is(new Set(targets.map((x) => x.diskIndex)).size, 1, 'a chain stays on one disk index');
    t.is(Math.floor(chain.chainId / 100_000) - 1, targets[0]!.diskIndex, 'chain id carries the disk index');
    for (const id of chain.targetIds) {
      t.false(used.has(id), `target ${id} used twice`);
      used.add(id);
    }
  }
  t.is(used.size, plan.targets.length, 'every target is in a chain');
  t.deepEqual(new Set(Object.values(plan.balance.targetsPerNode)), new Set([r * disks]), 'every node used equally');
  const { pairChainsMin: min, pairChainsMax: max, pairChainsMean: mean } = plan.balance;
  t.true(max - min <= disks, `pair co-occurrence ${min}..${max} (mean ${mean}) is not within +/-1 per disk`);
  t.true(min >= Math.floor(mean / disks) * disks && max <= Math.ceil(mean / disks) * disks, `${min}..${max} around ${mean}`);
}

for (const [v, r, k, disks] of [[5, 6, 3, 1], [6, 5, 3, 2], [7, 3, 3, 1], [8, 6, 3, 1], [9, 4, 3, 3], [10, 9, 3, 1], [12, 5, 4, 1], [6, 4, 2, 2], [16, 15, 3, 1], [4, 1, 4, 1]] as const) {
  test(`balanced placement: ${v} nodes, ${r} targets per disk, replication ${k}, ${disks} disk(s)`, (t) => {
    checkPlan(t, generateChainTable({ nodes: nodesOf(v), targetsPerDisk: r, replication: k, disksPerNode: disks }), v, r, k, disks);
  });
}

test("the README example of 3FS's placement tool: v=5, k=3, r=6 gives 10 chains, every pair sharing 3", (t) => {
  const plan = generateChainTable({ nodes: nodesOf(5), targetsPerDisk: 6, replication: 3 });
  t.is(plan.chains.length, 10);
  t.is(plan.balance.pairChainsMin, 3);
  t.is(plan.balance.pairChainsMax, 3);
});

test('ids follow the documented scheme', (t) => {
  const plan = generateChainTable({ nodes: nodesOf(3), targetsPerDisk: 2, replication: 3, disksPerNode: 2 });
  t.deepEqual(plan.targets.slice(0, 4).map((x) => [x.targetId, x.nodeId, x.diskIndex]),
    [[100101, 'storage-1', 0], [100102, 'storage-1', 0], [100201, 'storage-1', 1], [100202, 'storage-1', 1]]);
  t.deepEqual(plan.chainIds, [100001, 200001, 100002, 200002]);
  t.deepEqual(plan.chains[0], { chainId: 100001, targetIds: [100101, 200101, 300101] });
});

test('the same inputs give the same plan; the seed picks among balanced designs', (t) => {
  const options = { nodes: nodesOf(10), targetsPerDisk: 9, replication: 3 };
  t.deepEqual(generateChainTable(options), generateChainTable(options));
  t.deepEqual(generateChainTable({ ...options, seed: 5 }), generateChainTable({ ...options, seed: 5 }));
});

test('impossible shapes are refused with INVALID_ARGUMENT', (t) => {
  const bad = [
    { nodes: nodesOf(4), targetsPerDisk: 1, replication: 3 }, // 4 targets do not split into chains of 3
    { nodes: nodesOf(2), targetsPerDisk: 3, replication: 3 }, // not enough nodes
    { nodes: ['a', 'a', 'b'], targetsPerDisk: 1, replication: 3 },
    { nodes: nodesOf(3), targetsPerDisk: 0, replication: 3 },
    { nodes: nodesOf(3), targetsPerDisk: 3, replication: 0 },
    { nodes: nodesOf(3), targetsPerDisk: 3, replication: 3, disksPerNode: 1.5 },
  ];
  for (const options of bad) {
    const error = t.throws(() => generateChainTable(options));
    t.true(isFlyerError(error, 'INVALID_ARGUMENT'), String(error));
  }
});
