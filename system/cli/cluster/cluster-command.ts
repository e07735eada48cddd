import type { Command } from 'commander';
import { count } from '../admin/plan-file.ts';
import { FlyerError } from '../../env/errors.ts';
import { validateLayout } from '../../services/client/layout.ts';
import { EXIT_FAILED } from '../cli-errors.ts';
import { parseByteSize } from '../config/byte-size.ts';
import { Progress } from '../progress.ts';
import { parsePid } from '../serve/pid-flag.ts';
import { clusterDown } from './cluster-down.ts';
import { clusterStatus, statusText } from './cluster-status.ts';
import { clusterUp, describe } from './cluster-up.ts';
import { loadHostsFile } from './hosts-file.ts';
import { usageText } from './usage-text.ts';

interface UpFlags {
  local?: boolean;
  hosts?: string;
  dir: string;
  storageNodes: string;
  targetsPerNode: string;
  replication: string;
  metaServers: string;
  chunkSize: string;
  stripe: string;
  targetCapacity?: string;
  basePort?: string;
  timeoutMs: string;
  exitWithPid?: string;
}

/**
 * `flyer cluster up | down | status`: a whole cluster from one command, as local processes (`--local`)
 * or on the hosts of a hosts file (`--hosts FILE`: each node through its host's ssh or netns prefix).
 */
export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('start, stop and inspect a whole cluster (1 manager, storage nodes, meta servers)');

  cluster.command('up')
    .description('write configs, start the processes, upload a balanced chain table, wait until every target is SERVING, then start the meta servers')
    .option('--local', 'run every node as a local process on loopback (the default)')
    .option('--hosts <file>', 'run the nodes on the hosts of this TOML hosts file (ssh or `ip netns exec` prefixes; see README)')
    .requiredOption('--dir <dir>', 'cluster directory: configs, data, logs (D/logs/*.log), pid files (D/run/*.pid)')
    .option('--storage-nodes <n>', 'storage processes', '3')
    .option('--targets-per-node <n>', 'storage targets per node', '2')
    .option('--replication <k>', 'targets per chain', '3')
    .option('--meta-servers <n>', 'metadata servers (0: storage only)', '1')
    .option('--chunk-size <bytes>', 'chunk size of the root directory\'s layout (a power of two >= 4KiB; e.g. 64KiB, 1MiB)', '1MiB')
    .option('--stripe <n>', 'chains each new file cycles over (capped at the chain count)', '16')
    .option('--target-capacity <bytes>', 'each storage target\'s capacity limit, e.g. 64MiB (default: the file system\'s)')
    .option('--base-port <port>', 'manager on this port, storage-i on port + i, meta-j after them (default: free ports)')
    .option('--timeout-ms <ms>', 'budget for each step: processes ready, targets SERVING', '60000')
    .option('--exit-with-pid <pid>', 'the processes exit once this process is gone (tests)')
    .action(async (flags: UpFlags) => {
      const progress = new Progress();
      const timeoutMs = count(flags.timeoutMs, '--timeout-ms');
      if (flags.local && flags.hosts !== undefined) throw new FlyerError('INVALID_ARGUMENT', 'give --local or --hosts, not both');
      const result = await clusterUp({
        dir: flags.dir,
        ...(flags.hosts !== undefined ? { hosts: loadHostsFile(flags.hosts) } : {}),
        storageNodes: count(flags.storageNodes, '--storage-nodes'),
        targetsPerNode: count(flags.targetsPerNode, '--targets-per-node'),
        replication: count(flags.replication, '--replication'),
        metaServers: metaServerCount(flags.metaServers),
        rootLayout: rootLayoutOf(flags),
        ...(flags.targetCapacity !== undefined ? { targetCapacityBytes: parseByteSize(flags.targetCapacity, '--target-capacity') } : {}),
        ...(flags.basePort !== undefined ? { basePort: count(flags.basePort, '--base-port') } : {}),
        ...(flags.exitWithPid !== undefined ? { exitWithPid: parsePid(flags.exitWithPid) } : {}),
        readyTimeoutMs: timeoutMs,
        servingTimeoutMs: timeoutMs,
        progress,
      });
      if (result.alreadyRunning) {
        console.log(`the cluster in ${result.dir} is already running (${describe(result.manifest)}); nothing started.`);
        console.log(`see \`flyer cluster status --dir ${result.dir}\`, or stop it with \`flyer cluster down --dir ${result.dir}\``);
        return;
      }
      console.log(usageText(result.dir, result.manifest));
    });

  cluster.command('down')
    .description('stop every process of the cluster (SIGTERM, then SIGKILL after a timeout); data stays')
    .requiredOption('--dir <dir>', 'the cluster directory given to `cluster up`')
    .option('--timeout-ms <ms>', 'wait this long after SIGTERM before SIGKILL', '10000')
    .action(async (flags: { dir: string; timeoutMs: string }) => {
      const { outcomes } = await clusterDown({ dir: flags.dir, timeoutMs: count(flags.timeoutMs, '--timeout-ms'), progress: new Progress() });
      const stopped = outcomes.filter((o) => o.outcome !== 'not-running').length;
      console.log(stopped === 0
        ? `no process of the cluster in ${flags.dir} was running`
        : `stopped ${stopped} processes (${outcomes.filter((o) => o.outcome === 'killed').length} needed SIGKILL)`);
    });

  cluster.command('status')
    .description('processes, and the manager\'s view of nodes and targets (SERVING, SYNCING, ...)')
    .requiredOption('--dir <dir>', 'the cluster directory given to `cluster up`')
    .option('--json', 'print JSON')
    .action(async (flags: { dir: string; json?: boolean }) => {
      const status = await clusterStatus({ dir: flags.dir });
      console.log(flags.json ? JSON.stringify(status, null, 2) : statusText(status));
      // Scripts can wait on it: 0 only when every process runs, every target is SERVING and every meta (and kv) server answers.
      if (!status.allServing || status.processes.some((p) => !p.running) || status.meta.some((m) => !m.serving) || status.kv.some((k) => !k.serving)) process.exitCode = EXIT_FAILED;
    });
}


function metaServerCount(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value > 16) throw new FlyerError('INVALID_ARGUMENT', `--meta-servers must be an integer in 0..16, got '${text}'`);
  return value;
}

/** Checked here, before any process starts, with the rules meta applies. */
function rootLayoutOf(flags: UpFlags): { chunkSizeBytes: number; stripeSize: number } {
  const layout = { chunkSizeBytes: parseByteSize(flags.chunkSize, '--chunk-size'), stripeSize: count(flags.stripe, '--stripe') };
  try {
    validateLayout({ tableId: 1, tableVersion: 0, ...layout, baseIndex: 0, shuffleSeed: 0 });
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `--chunk-size/--stripe: ${error instanceof FlyerError ? error.detail : String(error)}`);
  }
  return layout;
}
