import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { assert } from '../env/assert.ts';
import type { ChunkStore, ChunkStoreOptions } from '../env/chunk-store.ts';
import { FlyerError } from '../env/errors.ts';
import type { KvStore } from '../env/kv.ts';
import { formatLogLine, StructuredLogger, type LogLevel, type LogSink } from '../env/log.ts';
import { MetricsRegistry } from '../env/metrics.ts';
import { randomStream, type RandomStream } from '../env/random.ts';
import type { Cpu, Env, NodeId } from '../env/types.ts';
import { PrometheusSink, startMetricsServer, type MetricsServer } from './prometheus.ts';
import { RealClock } from './real-clock.ts';
import { RealDisk } from './real-disk.ts';
import { RealRpc } from './real-rpc.ts';
import { installNativeCrc32c } from './rpc/frame-crc.ts';
import type { PeerAddress } from './rpc/wire.ts';

export type { PeerAddress } from './rpc/wire.ts';

export interface RealEnvOptions {
  readonly nodeId: NodeId;
  /** Where this node's RPC server listens; default 127.0.0.1 on a free port (port 0). */
  readonly listen?: PeerAddress;
  /** The address book; extend it later with `env.rpc.addPeer`. */
  readonly peers?: Readonly<Record<NodeId, PeerAddress>> | ReadonlyMap<NodeId, PeerAddress>;
  /** The node's data directory (RealDisk root); created on start(). */
  readonly dataDir: string;
  /** Seed of every random stream; default drawn from the OS (log `env.seed` to replay a run's draws). */
  readonly seed?: number;
  readonly logLevel?: LogLevel;
  /** Where log entries go; default JSON lines on stderr. */
  readonly logSink?: LogSink;
  /** Serves GET /metrics here when set (0 picks a free port). */
  readonly metricsPort?: number;
  /** Host of the metrics server; default the RPC listen host. */
  readonly metricsHost?: string;
  /** Largest RPC frame sent or accepted; default 64 MiB. */
  readonly maxFrameBytes?: number;
  readonly chunkStoreFactory?: (options: ChunkStoreOptions, env: RealEnv) => Promise<ChunkStore>;
  readonly kvFactory?: (name: string, env: RealEnv) => Promise<KvStore>;
}

export interface RealEnvAddresses {
  readonly rpc: PeerAddress;
  readonly metrics: PeerAddress | undefined;
}

const DEFAULT_LISTEN: PeerAddress = { host: '127.0.0.1', port: 0 };
/** Default seeds stay below 2^48 (crypto.randomInt's range limit); they print and parse exactly. */
const SEED_LIMIT = 2 ** 48 - 1;

const stderrSink: LogSink = (entry) => {
  process.stderr.write(`${formatLogLine(entry)}\n`);
};

/** A wildcard listen address is not one a peer (or this node) can dial: use loopback for self-calls. */
function dialableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

/**
 * Env for real mode: Node's clock, TCP RPC, a data directory, prom-client metrics. Build one with
 * {@link createRealEnv}, call start() before serving, close() when done.
 *
 * @example
 * const env = createRealEnv({ nodeId: 'storage-1', dataDir: '/var/lib/flyer/storage-1' });
 * const { rpc } = await env.start();
 * env.log.info('listening', { port: rpc.port });
 */
export class RealEnv implements Env {
  readonly nodeId: NodeId;
  readonly mode = 'real' as const;
  readonly seed: number;
  readonly clock: RealClock;
  readonly rpc: RealRpc;
  readonly disk: RealDisk;
  readonly cpu: Cpu;
  readonly metrics: MetricsRegistry;
  readonly prometheus: PrometheusSink;
  readonly log: StructuredLogger;
  readonly #options: RealEnvOptions;
  readonly #streams = new Map<string, RandomStream>();
  readonly #reached = new Set<string>();
  #addresses: RealEnvAddresses | undefined;
  #metricsServer: MetricsServer | undefined;
  #state: 'new' | 'starting' | 'started' | 'closed' = 'new';

  constructor(options: RealEnvOptions) {
    assert(typeof options.nodeId === 'string' && options.nodeId.length > 0, 'RealEnv needs a nodeId');
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new FlyerError('INVALID_ARGUMENT', `seed ${options.seed} is not a safe integer`);
    }
    this.#options = options;
    this.nodeId = options.nodeId;
    this.seed = options.seed ?? randomInt(SEED_LIMIT);
    this.clock = new RealClock();
    const nowNs = (): number => this.clock.now();
    this.log = new StructuredLogger(options.nodeId, nowNs, options.logSink ?? stderrSink, options.logLevel ?? 'info');
    this.prometheus = new PrometheusSink();
    this.metrics = new MetricsRegistry(nowNs, this.prometheus);
    const peers = options.peers instanceof Map ? [...options.peers] : Object.entries(options.peers ?? {});
    this.rpc = new RealRpc({ nodeId: options.nodeId, nowNs, log: this.log, metrics: this.metrics, peers, maxFrameBytes: options.maxFrameBytes });
    this.disk = new RealDisk(options.dataDir);
    this.cpu = Object.freeze({
      // The CPU is real in real mode: work already cost what it cost.
      charge: (durationNs: number): Promise<void> => {
        assert(Number.isFinite(durationNs) && durationNs >= 0, `cpu.charge needs a non-negative duration, got ${durationNs}`);
        return Promise.resolve();
      },
      cores: availableParallelism(),
    });
  }

  /** Bound addresses after start(); undefined before. */
  get addresses(): RealEnvAddresses | undefined {
    return this.#addresses;
  }

  /** Properties `sometimes` saw hold in this process (coverage in tests). */
  get reachedProperties(): ReadonlySet<string> {
    return this.#reached;
  }

  /** Creates the data directory, listens for RPC (and metrics), and puts this node in its own address book. */
  async start(): Promise<RealEnvAddresses> {
    if (this.#state !== 'new') throw new FlyerError('INVALID_ARGUMENT', `RealEnv ${this.nodeId} cannot start: it is ${this.#state}`);
    this.#state = 'starting';
    try {
      await mkdir(this.disk.rootDir, { recursive: true });
      const listen = this.#options.listen ?? DEFAULT_LISTEN;
      const bound = await this.rpc.listen(listen);
      this.rpc.addPeer(this.nodeId, { host: dialableHost(bound.host), port: bound.port });
      if (this.#options.metricsPort !== undefined) {
        this.#metricsServer = await startMetricsServer({
          registry: this.prometheus.registry, port: this.#options.metricsPort, host: this.#options.metricsHost ?? listen.host,
        });
      }
      const metrics = this.#metricsServer ? { host: this.#metricsServer.host, port: this.#metricsServer.port } : undefined;
      this.#addresses = { rpc: bound, metrics };
      this.#state = 'started';
      this.log.debug('real env started', { rpcPort: bound.port, metricsPort: metrics?.port, seed: this.seed });
      return this.#addresses;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Closes the server, client connections, timers and the metrics server. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.clock.close();
    await this.rpc.close();
    await this.#metricsServer?.close();
    this.#metricsServer = undefined;
  }

  random(subsystem: string): RandomStream {
    let stream = this.#streams.get(subsystem);
    if (!stream) this.#streams.set(subsystem, (stream = randomStream(this.seed, this.nodeId, subsystem)));
    return stream;
  }

  buggify(_site: string, _probability?: number): boolean {
    return false;
  }

  sometimes(property: string, condition = true): void {
    if (condition) this.#reached.add(property);
  }

  openChunkStore(options: ChunkStoreOptions): Promise<ChunkStore> {
    const factory = this.#options.chunkStoreFactory;
    if (!factory) {
      return Promise.reject(new FlyerError('NOT_IMPLEMENTED',
        `openChunkStore(target ${options.targetId}) on ${this.nodeId}: no chunkStoreFactory was given to createRealEnv (the native chunk engine is not wired in)`));
    }
    return factory(options, this);
  }

  openKv(name: string): Promise<KvStore> {
    const factory = this.#options.kvFactory;
    if (!factory) {
      return Promise.reject(new FlyerError('NOT_IMPLEMENTED',
        `openKv(${name}) on ${this.nodeId}: no kvFactory was given to createRealEnv (no real KV backend is wired in)`));
    }
    return factory(name, this);
  }
}

export function createRealEnv(options: RealEnvOptions): RealEnv {
  // Chunk payload checksums (services call env/crc32c.ts) run on the native loop when it is built.
  installNativeCrc32c();
  return new RealEnv(options);
}
