import { readFileSync, writeFileSync } from 'node:fs';
import { FlyerError } from '../../env/errors.ts';
import { generateChainTable, type ChainTablePlan } from '../../services/mgmtd/chain-table-generator.ts';
import { textTable } from '../text-table.ts';

/**
 * Chain-table plans as files (JSON, what `gen-chain-table --out` writes and the upload commands read)
 * and as text for people. A plan is a generateChainTable result: targets, chains, table order, balance.
 */
export interface PlanFlags {
  file?: string;
  nodes?: string;
  targetsPerNode?: string;
  disksPerNode?: string;
  replication?: string;
  seed?: string;
}

/** The plan from `--file`, or generated from `--nodes/--targets-per-node/--replication`. */
export function planFromFlags(flags: PlanFlags): ChainTablePlan {
  if (flags.file !== undefined) {
    if (flags.nodes !== undefined) throw new FlyerError('INVALID_ARGUMENT', 'give --file or --nodes, not both');
    return readPlan(flags.file);
  }
  if (flags.nodes === undefined || flags.targetsPerNode === undefined || flags.replication === undefined) {
    throw new FlyerError('INVALID_ARGUMENT', 'give a plan: --file PLAN.json, or --nodes, --targets-per-node and --replication');
  }
  const disks = count(flags.disksPerNode ?? '1', '--disks-per-node');
  const perNode = count(flags.targetsPerNode, '--targets-per-node');
  if (perNode % disks !== 0) throw new FlyerError('INVALID_ARGUMENT', `--targets-per-node ${perNode} must be a multiple of --disks-per-node ${disks}`);
  return generateChainTable({
    nodes: nodeList(flags.nodes), disksPerNode: disks, targetsPerDisk: perNode / disks, replication: count(flags.replication, '--replication'),
    seed: count(flags.seed ?? '1', '--seed'),
  });
}

/** `storage-1,storage-2` as given, or a bare count N as storage-1..storage-N. */
export function nodeList(text: string): string[] {
  if (/^\d+$/.test(text.trim())) return Array.from({ length: count(text, '--nodes') }, (_, i) => `storage-${i + 1}`);
  const nodes = text.split(',').map((n) => n.trim()).filter(Boolean);
  if (nodes.length === 0) throw new FlyerError('INVALID_ARGUMENT', '--nodes needs node ids (a,b,c) or a count');
  return nodes;
}

export function count(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new FlyerError('INVALID_ARGUMENT', `${flag} must be a positive integer, got '${text}'`);
  }
  return value;
}

export function writePlan(path: string, plan: ChainTablePlan): void {
  writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`);
}

export function readPlan(path: string): ChainTablePlan {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `cannot read plan ${path}: ${(error as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new FlyerError('INVALID_ARGUMENT', `plan ${path}: ${what}`);
  };
  const plan = value as Partial<ChainTablePlan> | null;
  if (typeof plan !== 'object' || plan === null) bad('not a JSON object');
  if (!Array.isArray(plan!.targets)) bad('targets must be an array');
  if (!Array.isArray(plan!.chains)) bad('chains must be an array');
  plan!.targets!.forEach((t, i) => {
    if (!Number.isSafeInteger(t?.targetId) || typeof t?.nodeId !== 'string' || !Number.isSafeInteger(t?.diskIndex)) {
      bad(`targets[${i}] needs targetId, nodeId and diskIndex`);
    }
  });
  plan!.chains!.forEach((c, i) => {
    if (!Number.isSafeInteger(c?.chainId) || !Array.isArray(c?.targetIds) || !c.targetIds.every(Number.isSafeInteger)) {
      bad(`chains[${i}] needs chainId and targetIds`);
    }
  });
  const chainIds = plan!.chainIds ?? plan!.chains!.map((c) => c.chainId);
  if (!Array.isArray(chainIds) || !chainIds.every(Number.isSafeInteger)) bad('chainIds must be an array of chain ids');
  return { targets: plan!.targets!, chains: plan!.chains!, chainIds, balance: plan!.balance ?? { pairChainsMin: 0, pairChainsMax: 0, pairChainsMean: 0, targetsPerNode: {} } };
}

export function planText(plan: ChainTablePlan): string {
  const nodeOf = new Map(plan.targets.map((t) => [t.targetId, t.nodeId]));
  const chains = textTable(['CHAIN', 'TARGETS (head first)'], plan.chains.map((c) => [
    c.chainId, c.targetIds.map((id) => `${id}@${nodeOf.get(id) ?? '?'}`).join(' '),
  ]));
  return `${chains}\n\n${balanceText(plan)}`;
}

export function balanceText(plan: ChainTablePlan): string {
  const b = plan.balance;
  const perNode = Object.entries(b.targetsPerNode).map(([node, n]) => `${node}=${n}`).join(' ');
  return [
    `${plan.targets.length} targets, ${plan.chains.length} chains`,
    `balance: each pair of nodes shares ${b.pairChainsMin}..${b.pairChainsMax} chains (ideal ${b.pairChainsMean.toFixed(2)})`,
    `targets per node: ${perNode}`,
  ].join('\n');
}
