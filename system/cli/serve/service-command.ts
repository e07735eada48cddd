import type { Command } from 'commander';
import { parsePid } from './pid-flag.ts';
import { runServiceProcess, type ServiceProcessOptions } from './service-process.ts';

/** What a role adds to the shared process life: how its env is made and how its service starts. */
export type RoleProcess = Pick<ServiceProcessOptions, 'createEnv' | 'serve'>;

export interface ServiceCommand {
  readonly role: ServiceProcessOptions['role'];
  readonly description: string;
  /** The --config help: which TOML tables this role reads. */
  readonly configHelp: string;
  /** Called once the command runs, so per-process state (opened stores) lives in this process only. */
  readonly process: () => RoleProcess;
}

/**
 * `flyer <role> --config F [--exit-with-pid P]`: the command line every service process has, running
 * the role through runServiceProcess.
 */
export function registerServiceCommand(program: Command, command: ServiceCommand): void {
  program.command(command.role)
    .description(command.description)
    .requiredOption('--config <file>', command.configHelp)
    .option('--exit-with-pid <pid>', 'exit when that process is gone (test clusters)')
    .action(async (flags: { config: string; exitWithPid?: string }) => {
      await runServiceProcess({
        role: command.role,
        configPath: flags.config,
        ...(flags.exitWithPid !== undefined ? { exitWithPid: parsePid(flags.exitWithPid) } : {}),
        ...command.process(),
      });
    });
}
