import { Command } from 'commander';
import { errorLine, exitCodeOf } from './cli-errors.ts';

type Register = (program: Command) => void;

/**
 * Every top-level command with the module that registers it, in help order. A process loads only the
 * module of the command it runs: a storage node that also loaded the workload and report code (vega,
 * d3) had three times the JavaScript heap, which every full garbage collection marks again, and every
 * process started slower. Help, and anything that is not a known command, loads them all.
 */
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Register>]> = [
  [['sim'], async () => (await import('./sim-command.ts')).registerSimCommands],
  [['toy'], async () => (await import('./toy-command.ts')).registerToyCommands],
  [['mgmtd'], async () => (await import('./serve/mgmtd-command.ts')).registerMgmtdCommand],
  [['storage'], async () => (await import('./serve/storage-command.ts')).registerStorageCommand],
  [['meta'], async () => (await import('./serve/meta-command.ts')).registerMetaCommand],
  [['kv'], async () => (await import('./serve/kv-command.ts')).registerKvCommand],
  [['admin'], async () => (await import('./admin/admin-command.ts')).registerAdminCommands],
  [['cluster'], async () => (await import('./cluster/cluster-command.ts')).registerClusterCommands],
  [['sort', 'partition', 'gensort', 'valsort'], async () => (await import('./graysort-command.ts')).registerGraysortCommands],
  [['fs'], async () => (await import('./fs/fs-command.ts')).registerFsCommands],
  [['workload'], async () => (await import('./workload/workload-command.ts')).registerWorkloadCommands],
];

const program = new Command();
program
  .name('flyer')
  .description('Flyer: the Fire-Flyer File System (3FS) in TypeScript, with a deterministic cluster simulator')
  .showHelpAfterError();
const requested = COMMANDS.find(([names]) => names.includes(process.argv[2] ?? ''));
for (const [, load] of requested ? [requested] : COMMANDS) (await load())(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(errorLine(error));
  process.exitCode = exitCodeOf(error);
}
