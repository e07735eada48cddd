import { FlyerError } from '../../env/errors.ts';
import type { RealEnv } from '../../real/real-env.ts';
import { exitOnError } from '../cli-errors.ts';
import { loadNodeConfig, type NodeConfig } from '../node-config.ts';

/**
 * The life of a real-mode service process, shared by `flyer mgmtd`, `flyer storage`, `flyer meta` and `flyer kv`: load the config
 * (a bad one exits 2 with the field named), start the env, start the service, print one JSON line
 * `{"ready":true,...}` on stdout, and on SIGTERM / SIGINT stop the service gracefully (bounded by a
 * timeout, so a wedged stop cannot keep the process alive) and exit 0. Logs are JSON lines on stderr.
 */
export interface ServingService {
  /** Graceful stop (final heartbeat, stores closed); the env is closed afterwards by the caller. */
  stop(): Promise<void>;
  /** Extra fields of the ready line. */
  readonly ready?: Record<string, unknown>;
}

export interface ServiceProcessOptions {
  readonly role: 'mgmtd' | 'storage' | 'meta' | 'kv';
  readonly configPath: string;
  /** Exit (gracefully) once this process is gone: keeps test clusters from outliving their test. */
  readonly exitWithPid?: number;
  /** Longest a graceful stop may take; then the process exits anyway (default 5 s). */
  readonly stopTimeoutMs?: number;
  createEnv(config: NodeConfig): RealEnv;
  /** Starts the service on a started env; rejects with ABORTED when `stopping` fires first. */
  serve(env: RealEnv, config: NodeConfig, stopping: AbortSignal): Promise<ServingService>;
}

const OWNER_POLL_MS = 500;

export async function runServiceProcess(options: ServiceProcessOptions): Promise<void> {
  let config: NodeConfig;
  let env: RealEnv;
  try {
    config = loadNodeConfig(options.configPath);
    env = options.createEnv(config);
  } catch (error) {
    // Role checks on a parsed config (a storage node without targets) name the file as parse errors do.
    const named = error instanceof FlyerError && error.code === 'INVALID_ARGUMENT' && !error.detail.includes(options.configPath)
      ? new FlyerError(error.code, `${options.configPath}: ${error.detail}`) : error;
    exitOnError(named);
  }
  const stopping = new AbortController();
  let service: ServingService | undefined;
  let exiting = false;
  const shutdown = (reason: string): void => {
    if (exiting) return;
    exiting = true;
    env.log.info(`${options.role} stopping`, { reason });
    stopping.abort();
    const hardStop = setTimeout(() => {
      env.log.warn(`${options.role} stop timed out; exiting anyway`, { timeoutMs: options.stopTimeoutMs ?? 5000 });
      process.exit(0);
    }, options.stopTimeoutMs ?? 5000);
    hardStop.unref();
    void (async () => {
      await service?.stop().catch((error: unknown) => env.log.error(`${options.role} stop failed`, { error: String(error) }));
      await env.close().catch(() => undefined);
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  if (options.exitWithPid !== undefined) watchOwner(options.exitWithPid, () => shutdown(`owner process ${options.exitWithPid} is gone`));

  try {
    const addresses = await env.start();
    service = await options.serve(env, config, stopping.signal);
    if (exiting) {
      // A signal arrived while the service was starting: shutdown() found nothing to stop yet.
      await service.stop().catch(() => undefined);
      return;
    }
    const ready = {
      ready: true, role: options.role, node: config.nodeId, pid: process.pid,
      host: addresses.rpc.host, port: addresses.rpc.port, ...(addresses.metrics ? { metricsPort: addresses.metrics.port } : {}),
      ...service.ready,
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
    env.log.info(`${options.role} ready`, { port: addresses.rpc.port });
  } catch (error) {
    if (exiting && error instanceof FlyerError && error.code === 'ABORTED') return;
    await env.close().catch(() => undefined);
    exitOnError(error);
  }
}

function watchOwner(pid: number, onGone: () => void): void {
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch (error) {
      // EPERM: it exists but is not ours to signal, so it is alive.
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        clearInterval(timer);
        onGone();
      }
    }
  }, OWNER_POLL_MS);
  timer.unref();
}
