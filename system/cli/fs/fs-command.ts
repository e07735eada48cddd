import type { Command } from 'commander';
import { count } from '../admin/plan-file.ts';
import { formatBytes } from '../config/byte-size.ts';
import { catFile } from './fs-cat.ts';
import { copyFile } from './fs-copy.ts';
import { dfText, longListing, statText } from './fs-format.ts';
import { listPath, makeDirectories, move, removeDirectories, removePaths, statPath } from './fs-ops.ts';
import { required } from './fs-paths.ts';
import { withFs, type FsSession } from './fs-session.ts';

interface FsFlags {
  dir?: string;
  timeoutMs?: string;
}

const HELP_AFTER = `
Paths:
  Flyer paths are absolute (/data/a.bin); a relative one is taken from the root, and a
  leading "flyer:" is accepted everywhere. cp copies between this machine and Flyer, so
  there the prefix decides which side is which: flyer:/data/a.bin is a Flyer path,
  anything else (./a.bin, /tmp/a.bin) a local one.

Examples:
  flyer fs --dir D mkdir -p /data/in
  flyer fs --dir D cp ./input.bin flyer:/data/in/         local -> Flyer (into the directory)
  flyer fs --dir D cp flyer:/data/in/input.bin ./copy.bin  Flyer -> local
  flyer fs --dir D ls -l /data/in
  flyer fs --dir D mv /data/in /data/done
  flyer fs --dir D rm -r /data
  flyer fs --dir D df -H

cp moves a file in chunk-sized pieces (the Flyer file's chunk size), --parallel of them in
flight (default: 16 MiB worth, 4..64). Errors print FLYER_ERR_<CODE>: message and exit 1,
or 2 for bad input (a missing operand, a local path that does not exist).`;

/**
 * `flyer fs`: file commands against a running cluster (`--dir` of `flyer cluster up`, like `flyer
 * admin --dir` and `flyer cluster status --dir`). Each command opens one client session (fs-session.ts),
 * does its work through FlyerFs and closes it.
 */
export function registerFsCommands(program: Command): void {
  const fs = program.command('fs')
    .description('files on a running cluster: ls, stat, cat, cp, mkdir, rm, rmdir, mv, df')
    .option('--dir <dir>', 'the directory of a cluster started with `flyer cluster up`')
    .option('--timeout-ms <ms>', 'how long a call may keep retrying (a meta or storage node restarting) before it fails', '10000')
    .addHelpText('after', HELP_AFTER);

  const session = <T>(command: Command, body: (s: FsSession) => Promise<T>): Promise<T> => {
    const flags = command.optsWithGlobals<FsFlags>();
    return withFs({ dir: required(flags.dir, '--dir (the cluster directory given to `flyer cluster up`)'), timeoutMs: count(flags.timeoutMs ?? '10000', '--timeout-ms') }, body);
  };

  fs.command('ls').description('list a directory (or show one file); -l adds mode, links, owner, size, mtime')
    .argument('[path]', 'Flyer path (default /)')
    .option('-l, --long', 'long listing')
    .option('-H, --human', 'sizes as KiB, MiB, ...')
    .option('--json', 'print JSON')
    .action(async (path: string | undefined, flags: { long?: boolean; human?: boolean; json?: boolean }, command: Command) => {
      const rows = await session(command, (s) => listPath(s, path, flags.long === true || flags.json === true));
      if (flags.json) console.log(JSON.stringify(rows, null, 2));
      else if (flags.long) print(longListing(rows, flags.human === true));
      else print(rows.map((r) => (r.type === 'directory' ? `${r.name}/` : r.name)).join('\n'));
    });

  fs.command('stat').description('an inode: type, size, mode, owner, times, layout (symlinks are not followed)')
    .argument('[path]', 'Flyer path')
    .option('--json', 'print JSON')
    .action(async (path: string | undefined, flags: { json?: boolean }, command: Command) => {
      const result = await session(command, (s) => statPath(s, path));
      console.log(flags.json ? JSON.stringify(result.inode, null, 2) : statText(result.path, result.inode));
    });

  fs.command('cat').description('write a Flyer file to stdout')
    .argument('[path]', 'Flyer path')
    .action(async (path: string | undefined, _flags: unknown, command: Command) => {
      await session(command, (s) => catFile(s.fs, path));
    });

  fs.command('cp').description('copy a file: local -> Flyer, Flyer -> local or Flyer -> Flyer (Flyer paths start with flyer:)')
    .argument('[src]', 'source: flyer:/path or a local path')
    .argument('[dst]', 'destination: flyer:/path or a local path; an existing directory receives the source\'s name')
    .option('--parallel <n>', 'pieces in flight')
    .action(async (src: string | undefined, dst: string | undefined, flags: { parallel?: string }, command: Command) => {
      const inFlight = flags.parallel !== undefined ? count(flags.parallel, '--parallel') : undefined;
      const result = await session(command, (s) => copyFile(s.fs, src, dst, inFlight !== undefined ? { inFlight } : {}));
      const seconds = result.ms / 1000;
      console.log(`copied ${result.bytes} bytes (${formatBytes(result.bytes)}) ${result.from} -> ${result.to} in ${seconds.toFixed(2)} s (${(result.bytes / 1e6 / Math.max(seconds, 1e-6)).toFixed(1)} MB/s)`);
    });

  fs.command('mkdir').description('make directories')
    .argument('[paths...]', 'Flyer paths')
    .option('-p, --parents', 'make missing parents too; an existing directory is fine')
    .action(async (paths: string[], flags: { parents?: boolean }, command: Command) => {
      await session(command, (s) => makeDirectories(s, paths, flags.parents === true));
    });

  fs.command('rm').description('remove files (and whole directory trees with -r); their chunks are removed by meta\'s GC later')
    .argument('[paths...]', 'Flyer paths')
    .option('-r, --recursive', 'remove directories and their contents')
    .action(async (paths: string[], flags: { recursive?: boolean }, command: Command) => {
      await session(command, (s) => removePaths(s, paths, flags.recursive === true));
    });

  fs.command('rmdir').description('remove empty directories')
    .argument('[paths...]', 'Flyer paths')
    .action(async (paths: string[], _flags: unknown, command: Command) => {
      await session(command, (s) => removeDirectories(s, paths));
    });

  fs.command('mv').description('rename atomically; into an existing directory under the same name')
    .argument('[src]', 'Flyer path')
    .argument('[dst]', 'Flyer path')
    .action(async (src: string | undefined, dst: string | undefined, _flags: unknown, command: Command) => {
      await session(command, (s) => move(s, src, dst));
    });

  fs.command('df').description('capacity, used and free space over every storage target')
    .option('-H, --human', 'sizes as KiB, MiB, ...')
    .option('--json', 'print JSON')
    .action(async (flags: { human?: boolean; json?: boolean }, command: Command) => {
      const space = await session(command, (s) => s.fs.statfs());
      console.log(flags.json ? JSON.stringify(space, null, 2) : dfText(space, flags.human === true));
    });
}

function print(text: string): void {
  if (text.length > 0) console.log(text);
}
