import { Command } from 'commander';
import { registerAdminCommands } from './admin/admin-command.ts';
import { errorLine, exitCodeOf } from './cli-errors.ts';
import { registerClusterCommands } from './cluster/cluster-command.ts';
import { registerGraysortCommands } from './graysort-command.ts';
import { registerFsCommands } from './fs/fs-command.ts';
import { registerMetaCommand } from './serve/meta-command.ts';
import { registerMgmtdCommand } from './serve/mgmtd-command.ts';
import { registerStorageCommand } from './serve/storage-command.ts';
import { registerSimCommands } from './sim-command.ts';
import { registerToyCommands } from './toy-command.ts';
import { registerWorkloadCommands } from './workload/workload-command.ts';

const program = new Command();
program
  .name('flyer')
  .description('Flyer: the Fire-Flyer File System (3FS) in TypeScript, with a deterministic cluster simulator')
  .showHelpAfterError();
registerSimCommands(program);
registerToyCommands(program);
registerMgmtdCommand(program);
registerStorageCommand(program);
registerMetaCommand(program);
registerAdminCommands(program);
registerClusterCommands(program);
registerGraysortCommands(program);
registerFsCommands(program);
registerWorkloadCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(errorLine(error));
  process.exitCode = exitCodeOf(error);
}
