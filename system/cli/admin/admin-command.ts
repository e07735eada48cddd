import type { Command } from 'commander';
import { FlyerError } from '../../env/errors.ts';
import { parsePeers } from '../address.ts';
import { managersOf, readManifest } from '../cluster/cluster-manifest.ts';
import { count, planFromFlags, planText, writePlan, type PlanFlags } from './plan-file.ts';
import {
  chainRows, chainsTable, nodeRows, nodesTable, routingHeader, targetRows, targetsTable,
} from './routing-tables.ts';
import { withMgmtd, type ManagerAddress, type MgmtdSession } from './mgmtd-session.ts';

/**
 * `flyer admin`: the cluster manager's admin calls from a shell (3FS admin_cli): listings as tables
 * (`--json` for machines), target and chain setup, and chain-table generation. Errors print as
 * `FLYER_ERR_<CODE>: message` and exit non-zero (2 for bad input, 1 otherwise).
 */
interface AdminFlags {
  mgmtd?: string;
  dir?: string;
  timeoutMs?: string;
}

interface JsonFlag {
  json?: boolean;
}

const PLAN_OPTIONS: Array<[string, string]> = [
  ['--file <plan.json>', 'a plan written by `flyer admin gen-chain-table --out`'],
  ['--nodes <ids|count>', 'generate the plan: storage node ids a,b,c (or a count N: storage-1..N)'],
  ['--targets-per-node <n>', 'generate the plan: targets on each node'],
  ['--disks-per-node <n>', 'generate the plan: disks per node (default 1)'],
  ['--replication <k>', 'generate the plan: targets per chain'],
  ['--seed <n>', 'generate the plan: placement seed (default 1)'],
];

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin')
    .description('cluster manager admin calls: list nodes/targets/chains, set up targets and chains')
    .option('--mgmtd <list>', 'the managers: id=host:port[,id=host:port...]')
    .option('--dir <dir>', 'or: the directory of a cluster started with `flyer cluster up`')
    .option('--timeout-ms <ms>', 'deadline of each call to a manager (default 1000)');

  const connect = <T>(command: Command, body: (session: MgmtdSession) => Promise<T>): Promise<T> => {
    const flags = command.optsWithGlobals<AdminFlags>();
    return withMgmtd({ managers: managersFrom(flags), ...(flags.timeoutMs ? { callTimeoutMs: count(flags.timeoutMs, '--timeout-ms') } : {}) }, body);
  };

  admin.command('list-nodes').description('nodes the manager knows, with their heartbeat status')
    .option('--json', 'print JSON').action(async (flags: JsonFlag, command: Command) => {
      await connect(command, async (session) => {
        const routing = await session.routing();
        print(flags, nodeRows(routing), () => `${routingHeader(routing)}\n${nodesTable(routing)}`);
      });
    });

  admin.command('list-targets').description('storage targets: node, chain, public and local state, space')
    .option('--json', 'print JSON').action(async (flags: JsonFlag, command: Command) => {
      await connect(command, async (session) => {
        const routing = await session.routing();
        print(flags, targetRows(routing), () => `${routingHeader(routing)}\n${targetsTable(routing)}`);
      });
    });

  admin.command('list-chains').description('chains (targets head first, with their states) and chain tables')
    .option('--json', 'print JSON').action(async (flags: JsonFlag, command: Command) => {
      await connect(command, async (session) => {
        const routing = await session.routing();
        print(flags, { chains: chainRows(routing), chainTables: routing.chainTables }, () => `${routingHeader(routing)}\n${chainsTable(routing)}`);
      });
    });

  const createTargets = admin.command('create-targets').description('create storage targets: from a plan, or --node with --target-ids')
    .option('--node <id>', 'the node the targets live on')
    .option('--target-ids <ids>', 'comma-separated target ids')
    .option('--disk-index <n>', 'disk of those targets (default 0)');
  for (const [flag, help] of PLAN_OPTIONS) createTargets.option(flag, help);
  createTargets.action(async (flags: PlanFlags & { node?: string; targetIds?: string; diskIndex?: string }, command: Command) => {
    const targets = flags.node !== undefined || flags.targetIds !== undefined ? explicitTargets(flags) : planFromFlags(flags).targets;
    await connect(command, async (session) => {
      const ack = await session.client.createTargets({ targets: targets.map(({ targetId, nodeId, diskIndex }) => ({ targetId, nodeId, diskIndex })) });
      console.log(`created ${targets.length} targets (routing version ${ack.routingVersion})`);
    });
  });

  const uploadChains = admin.command('upload-chains').description('create the chains of a plan (their targets must exist)');
  for (const [flag, help] of PLAN_OPTIONS) uploadChains.option(flag, help);
  uploadChains.action(async (flags: PlanFlags, command: Command) => {
    const plan = planFromFlags(flags);
    await connect(command, async (session) => {
      const ack = await session.client.setChains({ chains: plan.chains.map(({ chainId, targetIds }) => ({ chainId, targetIds: [...targetIds] })) });
      console.log(`uploaded ${plan.chains.length} chains (routing version ${ack.routingVersion})`);
    });
  });

  const uploadTable = admin.command('upload-chain-table')
    .description('install a plan: its targets, its chains and its chain table (each step idempotent)')
    .option('--table-id <n>', 'chain table id (default 1)')
    .option('--table-only', 'only set the chain table (targets and chains already uploaded)');
  for (const [flag, help] of PLAN_OPTIONS) uploadTable.option(flag, help);
  uploadTable.action(async (flags: PlanFlags & { tableId?: string; tableOnly?: boolean }, command: Command) => {
    const plan = planFromFlags(flags);
    const tableId = count(flags.tableId ?? '1', '--table-id');
    await connect(command, async (session) => {
      const { tableVersion } = flags.tableOnly
        ? await session.client.setChainTable({ tableId, chainIds: [...plan.chainIds] })
        : await session.client.installChainTable(plan, tableId);
      console.log(`chain table ${tableId} is at version ${tableVersion}: ${plan.chainIds.length} chains over ${plan.targets.length} targets`);
    });
  });

  const gen = admin.command('gen-chain-table').description('generate a balanced chain table (no manager needed); prints it and its balance')
    .option('--out <file>', 'also write the plan as JSON (for --file of the upload commands)')
    .option('--json', 'print the plan as JSON');
  for (const [flag, help] of PLAN_OPTIONS.slice(1)) gen.option(flag, help);
  gen.action((flags: PlanFlags & JsonFlag & { out?: string }) => {
    const plan = planFromFlags({ ...flags, file: undefined });
    if (flags.out) writePlan(flags.out, plan);
    print(flags, plan, () => planText(plan));
  });

  admin.command('offline-target').description('mark a target OFFLINE (e.g. a disk about to be replaced)')
    .argument('<target-id>').action(async (id: string, _flags: unknown, command: Command) => {
      const targetId = count(id, 'target id');
      await connect(command, async (session) => {
        const ack = await session.client.offlineTarget(targetId);
        console.log(`offline-target ${targetId}: done (routing version ${ack.routingVersion})`);
      });
    });

  admin.command('remove-target').description('remove an OFFLINE target that is in no chain')
    .argument('<target-id>').action(async (id: string, _flags: unknown, command: Command) => {
      const targetId = count(id, 'target id');
      await connect(command, async (session) => {
        const ack = await session.client.removeTarget(targetId);
        console.log(`remove-target ${targetId}: done (routing version ${ack.routingVersion})`);
      });
    });

  admin.command('update-chain').description('add a target to a chain, or remove an OFFLINE one from it')
    .argument('<chain-id>').argument('<add|remove>').argument('<target-id>')
    .action(async (chain: string, op: string, target: string, _flags: unknown, command: Command) => {
      if (op !== 'add' && op !== 'remove') throw new FlyerError('INVALID_ARGUMENT', `update-chain: the operation is add or remove, got '${op}'`);
      const request = { chainId: count(chain, 'chain id'), op, targetId: count(target, 'target id') } as const;
      await connect(command, async (session) => {
        const ack = await session.client.updateChain(request);
        console.log(`chain ${request.chainId}: ${op} ${request.targetId} done (routing version ${ack.routingVersion})`);
      });
    });
}

function managersFrom(flags: AdminFlags): ManagerAddress[] {
  if (flags.mgmtd !== undefined && flags.dir !== undefined) throw new FlyerError('INVALID_ARGUMENT', 'give --mgmtd or --dir, not both');
  if (flags.dir !== undefined) return managersOf(readManifest(flags.dir));
  if (flags.mgmtd === undefined) throw new FlyerError('INVALID_ARGUMENT', 'which manager? pass --mgmtd id=host:port[,...] (or --dir of a local cluster)');
  let peers: ReturnType<typeof parsePeers>;
  try {
    peers = parsePeers(flags.mgmtd);
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `--mgmtd: ${(error as Error).message}`);
  }
  return Object.entries(peers).map(([id, address]) => ({ id, ...address }));
}

function explicitTargets(flags: { node?: string; targetIds?: string; diskIndex?: string }): Array<{ targetId: number; nodeId: string; diskIndex: number }> {
  if (flags.node === undefined || flags.targetIds === undefined) throw new FlyerError('INVALID_ARGUMENT', 'create-targets: give --node and --target-ids together');
  const diskIndex = flags.diskIndex === undefined ? 0 : Number(flags.diskIndex);
  if (!Number.isSafeInteger(diskIndex) || diskIndex < 0) throw new FlyerError('INVALID_ARGUMENT', `--disk-index must be a non-negative integer, got '${flags.diskIndex}'`);
  return flags.targetIds.split(',').filter(Boolean).map((id) => ({ targetId: count(id, 'target id'), nodeId: flags.node!, diskIndex }));
}

function print(flags: JsonFlag, data: unknown, text: () => string): void {
  console.log(flags.json ? JSON.stringify(data, null, 2) : text());
}
