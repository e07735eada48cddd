import { assert } from '../../env/assert.ts';
import { FlyerError } from '../../env/errors.ts';
import { randomStream, type RandomStream } from '../../env/random.ts';
import type { NodeId } from '../../env/types.ts';
import type { ChainId, TargetId } from './types.ts';

/**
 * Balanced chain placement (3fs-notes §5). 3FS solves a balanced incomplete block design as an integer
 * program so that every pair of nodes shares about the same number of chains: when a node fails, its
 * chains' read and resync load then spreads evenly over all its peers. We have no ILP solver, so we
 * build the design greedily and then improve it by simulated annealing over swaps of two nodes between
 * two chains (a swap keeps every node's chain count), minimizing the sum of squared pair counts, until
 * all pair counts are within 1 of each other or the move budget runs out. Seeded, so deterministic.
 * Measured here: exact designs (all pairs equal) for e.g. v=5..30, k=3, r=v-1; spread 1 where the mean
 * is fractional; 180 nodes, r=90, k=3 (5,400 chains) in ~2 s with pair counts 0..2 (mean 1.01).
 *
 * As in 3FS, one design (v nodes, r targets per node, k replicas) is applied to each disk index on its
 * own: chain i on disk d uses disk d of k distinct nodes.
 *
 * Id scheme (3FS's, with prefix 0 and a node's number = its 1-based position in `nodes`):
 *   targetId = ((nodeNumber * 1000) + diskIndex + 1) * 100 + slot + 1   (slot < 100: the target's index on its disk)
 *   chainId  = (diskIndex + 1) * 100_000 + chainIndex + 1                (chainIndex < 100_000, per disk)
 *
 * @example
 * const plan = generateChainTable({ nodes: ['s1', 's2', 's3', 's4', 's5'], targetsPerDisk: 6, replication: 3 });
 * plan.balance.pairChainsMax - plan.balance.pairChainsMin; // 0: every pair of nodes shares 3 chains
 */
export interface ChainTableGeneratorOptions {
  readonly nodes: readonly NodeId[];
  readonly disksPerNode?: number;
  /** r: targets on each disk, i.e. chains each disk takes part in. `nodes.length * r` must divide by k. */
  readonly targetsPerDisk: number;
  /** k: targets per chain, each on a distinct node. */
  readonly replication: number;
  readonly seed?: number;
  /** Local-search moves tried per chain (default 2,000; at most 4 M in all). */
  readonly searchMovesPerChain?: number;
}

export interface GeneratedTarget {
  readonly targetId: TargetId;
  readonly nodeId: NodeId;
  readonly diskIndex: number;
}

export interface GeneratedChain {
  readonly chainId: ChainId;
  readonly targetIds: readonly TargetId[];
}

export interface PlacementBalance {
  /** Chains shared by the pair of nodes sharing the fewest / the most (summed over disk indexes). */
  readonly pairChainsMin: number;
  readonly pairChainsMax: number;
  /** The ideal (mean) pair co-occurrence r(k-1)/(v-1) times the disk count. */
  readonly pairChainsMean: number;
  readonly targetsPerNode: Readonly<Record<NodeId, number>>;
}

export interface ChainTablePlan {
  readonly targets: readonly GeneratedTarget[];
  readonly chains: readonly GeneratedChain[];
  /** Table order: chain 1 of every disk, then chain 2 of every disk, ... so a file's stripes spread over disks. */
  readonly chainIds: readonly ChainId[];
  readonly balance: PlacementBalance;
}

/** Bounds the search on big clusters (~1 s here for 180 nodes). */
const SEARCH_MOVES_MAX = 4_000_000;

export function generateChainTable(options: ChainTableGeneratorOptions): ChainTablePlan {
  const { nodes, targetsPerDisk: r, replication: k } = options;
  const disks = options.disksPerNode ?? 1;
  const v = nodes.length;
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new FlyerError('INVALID_ARGUMENT', `chain table: ${what}`);
  };
  check(new Set(nodes).size === v && v > 0, 'nodes must be distinct and non-empty');
  check(Number.isSafeInteger(k) && k >= 1 && k <= v, `replication ${k} must be in 1..${v}`);
  check(Number.isSafeInteger(r) && r >= 1 && r < 100, `targetsPerDisk ${r} must be in 1..99`);
  check(Number.isSafeInteger(disks) && disks >= 1 && disks < 1000, `disksPerNode ${disks} must be in 1..999`);
  check((v * r) % k === 0, `nodes x targetsPerDisk (${v * r}) must be divisible by replication ${k}`);
  check((v * r) / k < 100_000, 'too many chains per disk');

  const blocks = balancedBlocks(v, r, k, randomStream(options.seed ?? 1, 'chain-table', 'placement'), options.searchMovesPerChain ?? 2_000);
  const targetId = (node: number, disk: number, slot: number): TargetId => ((node + 1) * 1000 + disk + 1) * 100 + slot + 1;
  const targets: GeneratedTarget[] = [];
  for (let node = 0; node < v; node++) {
    for (let disk = 0; disk < disks; disk++) {
      for (let slot = 0; slot < r; slot++) targets.push({ targetId: targetId(node, disk, slot), nodeId: nodes[node]!, diskIndex: disk });
    }
  }
  const chains: GeneratedChain[] = [];
  const chainIds: ChainId[] = [];
  for (let disk = 0; disk < disks; disk++) {
    const nextSlot = new Array<number>(v).fill(0);
    blocks.forEach((block, index) => {
      const chainId = (disk + 1) * 100_000 + index + 1;
      chains.push({ chainId, targetIds: block.map((node) => targetId(node, disk, nextSlot[node]!++)) });
    });
  }
  for (let index = 0; index < blocks.length; index++) {
    for (let disk = 0; disk < disks; disk++) chainIds.push((disk + 1) * 100_000 + index + 1);
  }
  return { targets, chains, chainIds, balance: measure(nodes, blocks, disks, r, k) };
}

/** The per-disk design: (v*r/k) blocks of k distinct nodes in 0..v-1, each node in exactly r blocks. */
export function balancedBlocks(v: number, r: number, k: number, random: RandomStream, movesPerBlock = 2_000): number[][] {
  const blocks = greedyBlocks(v, r, k);
  const pairs = new Int32Array(v * v);
  for (const block of blocks) forPairs(block, (a, b) => { pairs[a * v + b]!++; pairs[b * v + a]!++; });
  improve(blocks, pairs, v, random, Math.min(SEARCH_MOVES_MAX, movesPerBlock * blocks.length));
  for (const block of blocks) block.sort((a, b) => a - b);
  return blocks;
}

/**
 * Builds blocks one at a time. A node whose remaining uses equal the blocks left must go in now
 * (that keeps the rest feasible); other places go to the nodes that share the fewest chains with the
 * block so far, then to those with the most uses left.
 */
function greedyBlocks(v: number, r: number, k: number): number[][] {
  const count = (v * r) / k;
  const remaining = new Array<number>(v).fill(r);
  const pairs = new Int32Array(v * v);
  const blocks: number[][] = [];
  for (let b = 0; b < count; b++) {
    const left = count - b;
    const block: number[] = [];
    for (let n = 0; n < v; n++) if (remaining[n] === left) block.push(n);
    assert(block.length <= k, 'chain table: greedy placement became infeasible');
    while (block.length < k) {
      let best = -1;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let i = 0; i < v; i++) {
        const n = (b * k + i) % v; // rotate the start so ties do not always favour low node numbers
        if (remaining[n] === 0 || block.includes(n)) continue;
        const cost = block.reduce((sum, m) => sum + pairs[n * v + m]!, 0) * (r + 1) - remaining[n]!;
        if (cost < bestCost) [best, bestCost] = [n, cost];
      }
      assert(best >= 0, 'chain table: no node left for a block');
      block.push(best);
    }
    for (const n of block) remaining[n]!--;
    forPairs(block, (a, c) => { pairs[a * v + c]!++; pairs[c * v + a]!++; });
    blocks.push(block);
  }
  return blocks;
}

/** Simulated annealing over node swaps between two blocks; objective: sum of squared pair counts. */
function improve(blocks: number[][], pairs: Int32Array, v: number, random: RandomStream, moves: number): void {
  if (blocks.length < 2 || blocks[0]!.length === v) return;
  // Swapping x (in block i) with y (in block j) moves x's pairs with i's other members to y and y's pairs
  // with j's other members to x; members of both blocks see no net change.
  const gainOf = (bi: readonly number[], x: number, bj: readonly number[], y: number): number => {
    let gain = 0;
    for (const z of bi) {
      if (z === x || bj.includes(z)) continue;
      gain += 2 - 2 * pairs[x * v + z]! + 2 * pairs[y * v + z]!;
    }
    for (const w of bj) {
      if (w === y || bi.includes(w)) continue;
      gain += 2 - 2 * pairs[y * v + w]! + 2 * pairs[x * v + w]!;
    }
    return gain;
  };
  const shift = (a: number, b: number, d: number): void => {
    pairs[a * v + b]! += d;
    pairs[b * v + a]! += d;
  };
  for (let move = 0; move < moves; move++) {
    if (move % 1024 === 0 && spread(pairs, v) <= 1) return;
    const i = random.int(blocks.length);
    const j = random.int(blocks.length);
    if (i === j) continue;
    const bi = blocks[i]!;
    const bj = blocks[j]!;
    // Move out the member of block i that shares the most with its block-mates; try every member of j.
    let xi = 0;
    let worst = -1;
    bi.forEach((x, index) => {
      const load = bi.reduce((sum, z) => sum + (z === x ? 0 : pairs[x * v + z]!), 0) + random.next();
      if (load > worst) [xi, worst] = [index, load];
    });
    const x = bi[xi]!;
    if (bj.includes(x)) continue;
    let yj = -1;
    let best = Number.POSITIVE_INFINITY;
    bj.forEach((y, index) => {
      if (bi.includes(y)) return;
      const gain = gainOf(bi, x, bj, y);
      if (gain < best) [yj, best] = [index, gain];
    });
    // Simulated annealing: early on, accept some worsening moves to leave local minima; at the end, only
    // improving and sideways (gain 0) ones.
    const temperature = 1.5 * (1 - move / moves);
    if (yj < 0 || (best > 0 && !(temperature > 0 && random.next() < Math.exp(-best / temperature)))) continue;
    const y = bj[yj]!;
    for (const z of bi) if (z !== x && !bj.includes(z)) { shift(x, z, -1); shift(y, z, +1); }
    for (const w of bj) if (w !== y && !bi.includes(w)) { shift(y, w, -1); shift(x, w, +1); }
    bi[xi] = y;
    bj[yj] = x;
  }
}

/** Max minus min co-occurrence over all node pairs. */
function spread(pairs: Int32Array, v: number): number {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let a = 0; a < v; a++) {
    for (let b = a + 1; b < v; b++) {
      const c = pairs[a * v + b]!;
      if (c < min) min = c;
      if (c > max) max = c;
    }
  }
  return v < 2 ? 0 : max - min;
}

function forPairs(block: readonly number[], visit: (a: number, b: number) => void): void {
  for (let i = 0; i < block.length; i++) for (let j = i + 1; j < block.length; j++) visit(block[i]!, block[j]!);
}

function measure(nodes: readonly NodeId[], blocks: readonly number[][], disks: number, r: number, k: number): PlacementBalance {
  const v = nodes.length;
  const pairs = new Int32Array(v * v);
  const uses = new Array<number>(v).fill(0);
  for (const block of blocks) {
    for (const n of block) uses[n]!++;
    forPairs(block, (a, b) => { pairs[a * v + b]!++; pairs[b * v + a]!++; });
  }
  let min = v < 2 ? 0 : Number.POSITIVE_INFINITY;
  let max = 0;
  for (let a = 0; a < v; a++) {
    for (let b = a + 1; b < v; b++) {
      min = Math.min(min, pairs[a * v + b]!);
      max = Math.max(max, pairs[a * v + b]!);
    }
  }
  const targetsPerNode: Record<NodeId, number> = {};
  nodes.forEach((node, n) => { targetsPerNode[node] = uses[n]! * disks; });
  return { pairChainsMin: min * disks, pairChainsMax: max * disks, pairChainsMean: v < 2 ? 0 : (disks * r * (k - 1)) / (v - 1), targetsPerNode };
}
