import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FlyerError } from '../../env/errors.ts';
import { clusterPaths, type ClusterNode } from './cluster-manifest.ts';
import type { NodeLauncher, StartedNode, StopOutcome } from './launcher.ts';
import { isOurProcess, signal } from './process-check.ts';
import { fileSize, findReadyLine, logTail } from './ready-line.ts';

const FLYER_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'flyer.mjs');
const POLL_MS = 50;
/** After SIGKILL a process is gone within milliseconds; this only bounds a pathological wait. */
const KILL_WAIT_MS = 5000;

export interface LocalLauncherOptions {
  /** The cluster directory (configs, logs, pid files). */
  readonly dir: string;
  /** Passed to every process as --exit-with-pid. */
  readonly exitWithPid?: number;
}

/**
 * Nodes as local OS processes: `flyer <role> --config D/config/<node>.toml`, detached (they outlive the
 * CLI that started them), stdout and stderr appended to D/logs/<node>.log, pid in D/run/<node>.pid.
 * A node with an `exec` prefix (hosts mode) runs on its host through it: `ip netns exec NS` replaces
 * itself with the node, so signals reach it directly; with `ssh -tt`, ending the ssh client hangs up
 * the remote node.
 * Readiness is the `{"ready":true}` line showing up in the log.
 */
export class LocalLauncher implements NodeLauncher {
  readonly kind = 'local';
  readonly #dir: string;
  readonly #exitWithPid: number | undefined;

  constructor(options: LocalLauncherOptions) {
    this.#dir = resolve(options.dir);
    this.#exitWithPid = options.exitWithPid;
  }

  async start(node: ClusterNode, options: { readonly readyTimeoutMs: number }): Promise<StartedNode> {
    const configPath = clusterPaths.config(this.#dir, node.id);
    const logPath = clusterPaths.log(this.#dir, node.id);
    const pidPath = clusterPaths.pid(this.#dir, node.id);
    mkdirSync(dirname(logPath), { recursive: true });
    mkdirSync(dirname(pidPath), { recursive: true });
    const logStart = fileSize(logPath);
    const log = openSync(logPath, 'a');
    const startedMs = performance.now();
    let pid: number | undefined;
    try {
      const args = [FLYER_BIN, node.role, '--config', configPath, ...(this.#exitWithPid !== undefined ? ['--exit-with-pid', String(this.#exitWithPid)] : [])];
      // A node on another host runs through its host's command prefix (ssh, or `ip netns exec`), which
      // stays this node's process here: its pid, its log, its exit.
      const [command, ...commandArgs] = node.exec && node.exec.length > 0 ? [...node.exec, process.execPath, ...args] : [process.execPath, ...args];
      const child = spawn(command!, commandArgs, { cwd: this.#dir, detached: true, stdio: ['ignore', log, log] });
      pid = child.pid;
      // An exit before ready is noticed by polling the pid; this only keeps an 'error' event from throwing.
      child.on('error', () => undefined);
      child.unref();
    } finally {
      closeSync(log);
    }
    if (pid === undefined) throw new FlyerError('CLUSTER_NODE_START_FAILED', `${node.id}: could not spawn ${process.execPath}`);
    writeFileSync(pidPath, `${pid}\n`);
    const deadlineMs = startedMs + options.readyTimeoutMs;
    for (;;) {
      if (findReadyLine(logPath, logStart)) return { pid, readyMs: performance.now() - startedMs };
      // A command prefix (`ip netns exec`, ssh) execs or spawns the node: while that happens the
      // pid's command line can briefly lack the config path, so only a second miss means it exited.
      if (!isOurProcess(pid, configPath) && (await stillNotOurs(pid, configPath))) {
        rmSync(pidPath, { force: true });
        throw new FlyerError('CLUSTER_NODE_START_FAILED', `${node.id} exited before it was ready; the end of ${logPath}:\n${logTail(logPath, logStart)}`);
      }
      if (performance.now() > deadlineMs) {
        await this.stop(node, { timeoutMs: 2000 });
        throw new FlyerError('CLUSTER_NODE_START_FAILED',
          `${node.id} printed no ready line within ${options.readyTimeoutMs} ms (stopped it); the end of ${logPath}:\n${logTail(logPath, logStart)}`);
      }
      await sleep(POLL_MS);
    }
  }

  running(node: ClusterNode): number | undefined {
    const pid = this.#pidOf(node);
    return pid !== undefined && isOurProcess(pid, clusterPaths.config(this.#dir, node.id)) ? pid : undefined;
  }

  async stop(node: ClusterNode, options: { readonly timeoutMs: number }): Promise<StopOutcome> {
    const pid = this.running(node);
    if (pid === undefined) {
      this.#forget(node);
      return 'not-running';
    }
    signal(pid, 'SIGTERM');
    if (await this.#gone(node, pid, options.timeoutMs)) {
      this.#forget(node);
      return 'stopped';
    }
    signal(pid, 'SIGKILL');
    await this.#gone(node, pid, KILL_WAIT_MS);
    this.#forget(node);
    return 'killed';
  }

  async kill(node: ClusterNode): Promise<void> {
    const pid = this.running(node);
    if (pid === undefined) return;
    signal(pid, 'SIGKILL');
    await this.#gone(node, pid, KILL_WAIT_MS);
    this.#forget(node);
  }

  async #gone(node: ClusterNode, pid: number, timeoutMs: number): Promise<boolean> {
    const configPath = clusterPaths.config(this.#dir, node.id);
    const deadlineMs = performance.now() + timeoutMs;
    while (isOurProcess(pid, configPath)) {
      if (performance.now() > deadlineMs) return false;
      await sleep(POLL_MS);
    }
    return true;
  }

  #pidOf(node: ClusterNode): number | undefined {
    try {
      const pid = Number(readFileSync(clusterPaths.pid(this.#dir, node.id), 'utf8').trim());
      return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  #forget(node: ClusterNode): void {
    rmSync(clusterPaths.pid(this.#dir, node.id), { force: true });
  }
}

async function stillNotOurs(pid: number, configPath: string): Promise<boolean> {
  await sleep(POLL_MS);
  return !isOurProcess(pid, configPath);
}
