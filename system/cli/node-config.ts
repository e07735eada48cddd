import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { FlyerError } from '../env/errors.ts';
import { parseAddress } from './address.ts';

/**
 * A service process's TOML config (3FS configures its services in TOML too). One file per process:
 *
 * ```toml
 * [node]
 * id = "storage-1"
 * listen = "127.0.0.1:9101"
 * data_dir = "storage-1"          # relative paths are relative to the config file
 * metrics_port = 9201             # optional: Prometheus text on /metrics
 *
 * [cluster]
 * mgmtd = ["mgmtd-1=127.0.0.1:9001"]
 *
 * [[storage.targets]]             # storage processes only
 * id = 101
 * path = "targets/101"
 * ```
 */
export interface PeerEntry {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

export interface NodeConfig {
  readonly nodeId: string;
  readonly listen: { host: string; port: number };
  readonly dataDir: string;
  readonly metricsPort?: number;
  readonly mgmtd: readonly PeerEntry[];
  readonly targets: ReadonlyArray<{ readonly targetId: number; readonly path: string }>;
  /** Everything else in the file, for the service's own options. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export function loadNodeConfig(path: string): NodeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `cannot read config ${path}: ${(error as Error).message}`);
  }
  return parseNodeConfig(text, dirname(resolve(path)));
}

export function parseNodeConfig(text: string, baseDir: string): NodeConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `config is not valid TOML: ${(error as Error).message}`);
  }
  const node = table(raw, 'node');
  const cluster = table(raw, 'cluster', true);
  const storage = table(raw, 'storage', true);
  const nodeId = str(node, 'node.id');
  const dataDir = str(node, 'node.data_dir');
  const mgmtd = (arr(cluster['mgmtd'] ?? [], 'cluster.mgmtd')).map((entry, i) => {
    const text = typeof entry === 'string' ? entry : bad(`cluster.mgmtd[${i}] must be "id=host:port"`);
    const at = text.indexOf('=');
    if (at <= 0) bad(`cluster.mgmtd[${i}] must be "id=host:port", got '${text}'`);
    return { id: text.slice(0, at), ...parseAddress(text.slice(at + 1)) };
  });
  const targets = arr(storage['targets'] ?? [], 'storage.targets').map((entry, i) => {
    const t = entry as Record<string, unknown>;
    const targetId = t['id'];
    if (!Number.isSafeInteger(targetId) || (targetId as number) <= 0) bad(`storage.targets[${i}].id must be a positive integer`);
    return { targetId: targetId as number, path: str(t, `storage.targets[${i}].path`) };
  });
  const metricsPort = node['metrics_port'];
  if (metricsPort !== undefined && !(Number.isSafeInteger(metricsPort) && (metricsPort as number) >= 0 && (metricsPort as number) <= 65535)) {
    bad('node.metrics_port must be a port number');
  }
  return {
    nodeId,
    listen: parseAddress(str(node, 'node.listen')),
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(baseDir, dataDir),
    ...(metricsPort !== undefined ? { metricsPort: metricsPort as number } : {}),
    mgmtd,
    targets,
    raw,
  };
}

export function renderNodeConfig(config: {
  nodeId: string; listen: string; dataDir: string; mgmtd: string[]; targets?: Array<{ id: number; path: string }>; metricsPort?: number;
  extra?: Record<string, unknown>;
}): string {
  const doc: Record<string, unknown> = {
    node: { id: config.nodeId, listen: config.listen, data_dir: config.dataDir, ...(config.metricsPort !== undefined ? { metrics_port: config.metricsPort } : {}) },
    cluster: { mgmtd: config.mgmtd },
    ...(config.targets ? { storage: { targets: config.targets } } : {}),
    ...config.extra,
  };
  return stringify(doc);
}

function table(raw: Record<string, unknown>, key: string, optional = false): Record<string, unknown> {
  const value = raw[key];
  if (value === undefined && optional) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(`config needs a [${key}] table`);
  return value as Record<string, unknown>;
}

function str(t: Record<string, unknown>, name: string): string {
  const value = t[name.split('.').pop()!];
  if (typeof value !== 'string' || value.length === 0) bad(`${name} must be a non-empty string`);
  return value as string;
}

function arr(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) bad(`${name} must be an array`);
  return value as unknown[];
}

function bad(message: string): never {
  throw new FlyerError('INVALID_ARGUMENT', `config: ${message}`);
}
