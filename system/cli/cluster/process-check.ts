import { readFileSync } from 'node:fs';

/**
 * Whether `pid` is a live process whose command line contains `marker` (a node's config path). Pid files
 * outlive their processes and pids get reused, so a bare "does the pid exist" could take a stranger
 * for our node (and `cluster down` would signal it). On Linux /proc tells us the command line; a zombie
 * (killed, not yet reaped) has an empty one and counts as gone. Elsewhere we fall back to kill(pid, 0).
 */
export function isOurProcess(pid: number, marker: string): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && process.platform === 'linux') return false;
    return pidExists(pid);
  }
  return cmdline.split('\0').some((arg) => arg.includes(marker));
}

export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
