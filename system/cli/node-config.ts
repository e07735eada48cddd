import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { FlyerError } from '../env/errors.ts';
import type { LogLevel } from '../env/log.ts';
import type { NativeEngineOptions } from '../real/chunk-engine/index.ts';
import type { MgmtdOptions } from '../services/mgmtd/mgmtd-options.ts';
import { ConfigTable, configError } from './config/config-table.ts';
import {
  engineOptionsOf, metaTuningOf, mgmtdClientTuningOf, mgmtdOptionsOf, storageTuningOf, type MetaTuning, type MgmtdClientTuning, type StorageTuning,
} from './config/service-options.ts';
import { kvServiceTuningOf, type KvServiceTuning } from './config/kv-options.ts';

/**
 * A service process's TOML config (3FS configures its services in TOML too). One file per process:
 *
 * ```toml
 * [node]
 * id = "storage-1"
 * listen = "127.0.0.1:9101"
 * data_dir = "storage-1"          # relative paths are relative to the config file
 * metrics_port = 9201             # optional: Prometheus text on /metrics
 * log_level = "info"              # optional: debug | info | warn | error (JSON lines on stderr)
 *
 * [cluster]
 * mgmtd = ["mgmtd-1=127.0.0.1:9001"]
 * peers = ["storage-2=127.0.0.1:9102"]   # the other service nodes this one calls (chain successors)
 * kv = ["kv-1=127.0.0.1:9400"]          # optional (meta, mgmtd): keep state on this `flyer kv` server, not embedded
 *
 * [[storage.targets]]             # storage processes only
 * id = 101
 * path = "targets/101"            # relative paths are relative to data_dir
 * ```
 *
 * Optional service tables ([mgmtd], [mgmtd_client], [storage], [storage.forward], [storage.resync],
 * [storage.engine], [meta], [meta.root_layout], [kv]) tune the services; see config/service-options.ts for every key. Unknown keys are
 * errors, so a misspelt option never goes unnoticed.
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
  readonly logLevel: LogLevel;
  readonly mgmtd: readonly PeerEntry[];
  readonly peers: readonly PeerEntry[];
  /** The KV server whose stores this process uses instead of its embedded ones (at most one). */
  readonly kv: readonly PeerEntry[];
  /** Target paths are absolute (resolved against dataDir). */
  readonly targets: ReadonlyArray<{ readonly targetId: number; readonly path: string }>;
  readonly mgmtdOptions: MgmtdOptions;
  readonly mgmtdClient: MgmtdClientTuning;
  readonly storage: StorageTuning;
  readonly engine: NativeEngineOptions;
  readonly meta: MetaTuning;
  /** [kv]: the service options of a `flyer kv` process. */
  readonly kvService: KvServiceTuning;
  /** The parsed file as it is. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export function loadNodeConfig(path: string): NodeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlyerError('INVALID_ARGUMENT', `cannot read config ${path}: ${(error as Error).message}`);
  }
  try {
    return parseNodeConfig(text, dirname(resolve(path)));
  } catch (error) {
    if (error instanceof FlyerError) throw new FlyerError(error.code, `${path}: ${error.detail}`);
    throw error;
  }
}

export function parseNodeConfig(text: string, baseDir: string): NodeConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (error) {
    const { message, line, column } = error as Error & { line?: number; column?: number };
    const at = line !== undefined ? ` (line ${line}, column ${column ?? '?'})` : '';
    throw new FlyerError('INVALID_ARGUMENT', `config is not valid TOML${at}: ${message.split('\n')[0]}`);
  }
  const root = new ConfigTable('', raw);
  const node = root.table('node', { optional: false });
  const cluster = root.table('cluster');
  const storage = root.table('storage');
  const nodeId = node.string('id');
  const listen = node.address('listen');
  const dataDirText = node.string('data_dir');
  const dataDir = isAbsolute(dataDirText) ? dataDirText : resolve(baseDir, dataDirText);
  const metricsPort = node.integer('metrics_port', { max: 65535 });
  const logLevel = node.choice('log_level', ['debug', 'info', 'warn', 'error'] as const) ?? 'info';
  node.rejectUnknown();
  const mgmtd = cluster.peers('mgmtd');
  const peers = cluster.peers('peers');
  const kv = cluster.peers('kv');
  if (kv.length > 1) configError('cluster.kv names one kv server (several would not share one store)');
  cluster.rejectUnknown();
  const targets = storage.tables('targets').map((t) => {
    const targetId = t.integer('id', { min: 1 });
    if (targetId === undefined) configError(`${t.name}.id must be a positive integer`);
    const path = t.string('path');
    t.rejectUnknown();
    return { targetId, path: isAbsolute(path) ? path : resolve(dataDir, path) };
  });
  const duplicate = targets.find((t, i) => targets.findIndex((u) => u.targetId === t.targetId) !== i);
  if (duplicate) configError(`storage.targets: target id ${duplicate.targetId} appears twice`);
  const engine = engineOptionsOf(storage.table('engine'));
  const config: NodeConfig = {
    nodeId,
    listen,
    dataDir,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    logLevel,
    mgmtd,
    peers,
    kv,
    targets,
    mgmtdOptions: mgmtdOptionsOf(root.table('mgmtd')),
    mgmtdClient: mgmtdClientTuningOf(root.table('mgmtd_client')),
    storage: storageTuningOf(storage),
    engine,
    meta: metaTuningOf(root.table('meta')),
    kvService: kvServiceTuningOf(root.table('kv')),
    raw,
  };
  storage.rejectUnknown();
  root.rejectUnknown();
  return config;
}

export function renderNodeConfig(config: {
  nodeId: string; listen: string; dataDir: string; mgmtd: string[]; peers?: string[]; kv?: string[]; targets?: Array<{ id: number; path: string }>;
  metricsPort?: number; logLevel?: LogLevel;
  /** More tables ([mgmtd], [storage] options, ...); a `storage` entry is merged with the targets. */
  extra?: Record<string, Record<string, unknown>>;
}): string {
  const { storage: storageExtra, ...extra } = config.extra ?? {};
  const storage = config.targets || storageExtra ? { ...storageExtra, ...(config.targets ? { targets: config.targets } : {}) } : undefined;
  const doc: Record<string, unknown> = {
    node: {
      id: config.nodeId, listen: config.listen, data_dir: config.dataDir,
      ...(config.metricsPort !== undefined ? { metrics_port: config.metricsPort } : {}),
      ...(config.logLevel ? { log_level: config.logLevel } : {}),
    },
    cluster: { mgmtd: config.mgmtd, ...(config.peers ? { peers: config.peers } : {}), ...(config.kv ? { kv: config.kv } : {}) },
    ...extra,
    ...(storage ? { storage } : {}),
  };
  return stringify(doc);
}
