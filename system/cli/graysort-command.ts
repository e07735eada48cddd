import type { Command } from 'commander';
import { runToolInherited, type SortTool } from '../graysort/native-tools.ts';
import { partitionArgs, sortArgs, type KeySpace } from '../graysort/sort-engine.ts';
import { FlyerError } from '../env/errors.ts';

/**
 * `flyer gensort` / `flyer valsort`: gensort and valsort 1.5's command lines, passed through untouched
 * to the native tools (their own option syntax, messages and exit codes). `flyer sort` and
 * `flyer partition`: the GraySort engine's two phases on local files. Each runs the native binary on
 * this terminal and exits with its code.
 */
export function registerGraysortCommands(program: Command): void {
  passThrough(program, 'gensort', 'flyer-gensort',
    'generate gensort 1.5 records: [-a] [-c] [-s] [-bSTART] [-tN] NUM_RECS FILE (run without arguments for usage)');
  passThrough(program, 'valsort', 'flyer-valsort',
    'validate sorted records like valsort 1.5: [-i] [-q] [-o SUMFILE] [-s] [-tN] FILE (run without arguments for usage)');

  program.command('sort')
    .description('sort files of 100-byte records (gensort binary or ASCII) by their 10-byte key; the last path is the output')
    .argument('<paths...>', 'IN [IN...] OUT')
    .option('--threads <n>', 'threads (default: all cores)')
    .option('--sync', 'fdatasync the output before exiting')
    .option('--buffered', 'write through the page cache instead of O_DIRECT')
    .action(async (paths: string[], flags: { threads?: string; sync?: boolean; buffered?: boolean }) => {
      if (paths.length < 2) throw new FlyerError('INVALID_ARGUMENT', 'sort needs at least one input and an output: flyer sort IN [IN...] OUT');
      const out = paths[paths.length - 1]!;
      const args = sortArgs(paths.slice(0, -1), out, {
        ...(flags.threads ? { threads: positive('--threads', flags.threads) } : {}),
        sync: flags.sync === true,
        buffered: flags.buffered === true,
      });
      process.exitCode = await runToolInherited('flyer-sort', args);
    });

  program.command('partition')
    .description('split a file of 100-byte records by key range into P files DIR/part-NNNNN.dat (GraySort phase 1)')
    .argument('<in>', 'input records file')
    .requiredOption('--parts <p>', 'number of parts')
    .requiredOption('--out <dir>', 'output directory')
    .option('--key-space <space>', 'binary (all byte values, default) or ascii (printable keys)', 'binary')
    .option('--splitters <file>', 'P-1 sorted 10-byte boundary keys instead of a key-space split (see flyer-sort splitters)')
    .action(async (input: string, flags: { parts: string; out: string; keySpace: string; splitters?: string }) => {
      if (flags.keySpace !== 'binary' && flags.keySpace !== 'ascii') {
        throw new FlyerError('INVALID_ARGUMENT', `--key-space must be binary or ascii, got '${flags.keySpace}'`);
      }
      const args = partitionArgs(input, {
        parts: positive('--parts', flags.parts),
        outDir: flags.out,
        keySpace: flags.keySpace as KeySpace,
        ...(flags.splitters ? { splitters: flags.splitters } : {}),
      });
      process.exitCode = await runToolInherited('flyer-sort', args);
    });
}

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FlyerError('INVALID_ARGUMENT', `${name} must be a positive integer, got '${text}'`);
  return n;
}

/**
 * A subcommand whose arguments all go to a native tool. Commander must not interpret them: `-c`, `-a`,
 * `-bN` belong to gensort, so options are unknown-allowed and help is left to the tool's usage text.
 * Commander keeps their order (operands before the first unknown option, then everything after it).
 */
function passThrough(program: Command, name: string, tool: SortTool, description: string): void {
  program.command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async (_args: string[], _flags: unknown, command: Command) => {
      process.exitCode = await runToolInherited(tool, command.args);
    });
}
