import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNodeConfig } from '../../system/cli/node-config.ts';
import { FLYER } from '../cluster/helpers.ts';

/**
 * Service processes for the KV tests (`flyer kv`, and managers over it): started from a config, tied to
 * this process (--exit-with-pid), resolved once they print their ready line. A kv process restarts on
 * the same data directory.
 */
export interface KvProcess {
  readonly port: number;
  readonly child: ChildProcess;
  readonly bootId: string;
}

export function writeKvConfig(dir: string, port: number, kv: Record<string, unknown> = {}): string {
  const path = join(dir, 'kv.toml');
  writeFileSync(path, renderNodeConfig({
    nodeId: 'kv-1', listen: `127.0.0.1:${port}`, dataDir: 'kv-data', mgmtd: [], logLevel: 'warn', ...(Object.keys(kv).length > 0 ? { extra: { kv } } : {}),
  }));
  return path;
}

export async function startKvProcess(config: string): Promise<KvProcess> {
  const { child, ready } = await startServiceProcess('kv', config);
  return { child, port: ready['port'] as number, bootId: ready['bootId'] as string };
}

/** Spawns `flyer <role> --config F` tied to this process; resolves with its ready line. */
export function startServiceProcess(role: string, config: string): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const child = spawn(process.execPath, [FLYER, role, '--config', config, '--exit-with-pid', String(process.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"ready":true'));
      if (line) resolve({ child, ready: JSON.parse(line) as Record<string, unknown> });
    });
    child.once('exit', (code) => reject(new Error(`flyer ${role} exited ${code} before ready:\n${err}`)));
  });
}

/** SIGKILL, as a crash: resolves once the process is gone. */
export function killKvProcess(kv: { readonly child: ChildProcess }): Promise<void> {
  if (kv.child.exitCode !== null || kv.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    kv.child.once('exit', () => resolve());
    kv.child.kill('SIGKILL');
  });
}
