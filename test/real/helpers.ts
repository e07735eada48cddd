import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '../../system/env/log.ts';
import { createRealEnv, type RealEnv, type RealEnvOptions } from '../../system/real/real-env.ts';
import { FrameDecoder, type DecodeEvent } from '../../system/real/rpc/frame-decoder.ts';

/** A temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `flyer-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface Cluster {
  readonly envs: RealEnv[];
  readonly logs: LogEntry[];
  close(): Promise<void>;
}

/** Starts `nodeIds.length` RealEnvs on 127.0.0.1 port 0 that all know each other; logs go to memory. */
export async function startCluster(nodeIds: string[], extra: Partial<RealEnvOptions> = {}): Promise<Cluster> {
  const dir = await tempDir('cluster');
  const logs: LogEntry[] = [];
  const envs = nodeIds.map((nodeId) => createRealEnv({
    nodeId, dataDir: join(dir.path, nodeId), seed: 42, logLevel: 'debug', logSink: (entry) => logs.push(entry), ...extra,
  }));
  for (const env of envs) await env.start();
  for (const env of envs) {
    for (const other of envs) env.rpc.addPeer(other.nodeId, other.addresses!.rpc);
  }
  return {
    envs,
    logs,
    close: async () => {
      for (const env of envs) await env.close();
      await dir.cleanup();
    },
  };
}

/** A raw socket to a server that decodes whatever frames come back, for feeding it bad input. */
export class RawPeer {
  readonly socket: Socket;
  readonly events: DecodeEvent[] = [];
  readonly closed: Promise<void>;
  #connected: Promise<void>;

  constructor(port: number) {
    const decoder = new FrameDecoder({ onEvent: (event) => this.events.push(event) });
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    this.socket.on('error', () => {}); // resets are expected when a server drops us
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.#connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  static async open(port: number): Promise<RawPeer> {
    const peer = new RawPeer(port);
    await peer.#connected;
    return peer;
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  /** Half-closes our side and waits until the server has closed its side too. */
  async finish(): Promise<void> {
    this.socket.end();
    await this.closed;
  }

  /** Resolves once `count` events arrived (or rejects after `timeoutMs`, so a broken server cannot hang a test). */
  async waitForEvents(count: number, timeoutMs = 5_000): Promise<DecodeEvent[]> {
    const startMs = Date.now();
    while (this.events.length < count) {
      if (Date.now() - startMs > timeoutMs) throw new Error(`expected ${count} frames, got ${this.events.length}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return this.events;
  }
}
