import { Command } from 'commander';
import { registerSimCommands } from './sim-command.ts';
import { registerToyCommands } from './toy-command.ts';

const program = new Command();
program
  .name('flyer')
  .description('Flyer: the Fire-Flyer File System (3FS) in TypeScript, with a deterministic cluster simulator')
  .showHelpAfterError();
registerSimCommands(program);
registerToyCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
