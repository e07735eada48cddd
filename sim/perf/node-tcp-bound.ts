/**
 * A bare Node TCP loopback transfer shaped like the real read benchmark: `servers` processes
 * (node-tcp-bound-server.ts) each answer 4-byte requests with `messageBytes`-byte replies, and one
 * client in this process keeps `depth` requests outstanding, spread over the servers, reading every
 * reply straight from the socket into a reused buffer (net's `onread`). No checksums, codec, storage or
 * page cache: an upper bound for what the storage read path can reach with Node on this machine, to
 * set beside iperf3 (whose single C stream needs neither an event loop nor JavaScript).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timed, type ThroughputSample } from './real-storage-bench.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface NodeTcpBoundOptions {
  readonly servers: number;
  readonly messageBytes: number;
  /** Requests outstanding at once, spread round-robin over the servers. */
  readonly depth: number;
  /** Bytes moved per round. */
  readonly roundBytes: number;
  readonly rounds: number;
}

/** One client connection: replies come back in request order, each read into the same buffer. */
class BoundConnection {
  readonly socket: Socket;
  readonly ready: Promise<void>;
  readonly #waiters: Array<() => void> = [];
  readonly #header = Buffer.alloc(4);
  readonly #payload: Buffer;
  #headerFilled = 0;
  #payloadLeft = 0;

  constructor(port: number, messageBytes: number) {
    this.#payload = Buffer.allocUnsafe(messageBytes);
    this.socket = connect({
      host: '127.0.0.1',
      port,
      noDelay: true,
      onread: {
        buffer: () => (this.#payloadLeft > 0 ? this.#payload.subarray(0, this.#payloadLeft) : this.#header.subarray(this.#headerFilled)),
        callback: (nread) => {
          this.#onRead(nread);
          return true;
        },
      },
    });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  request(messageBytes: number): Promise<void> {
    const request = Buffer.allocUnsafe(4);
    request.writeUInt32LE(messageBytes, 0);
    this.socket.write(request);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #onRead(nread: number): void {
    if (this.#payloadLeft > 0) {
      this.#payloadLeft -= nread;
      if (this.#payloadLeft === 0) this.#waiters.shift()!();
      return;
    }
    this.#headerFilled += nread;
    if (this.#headerFilled < 4) return;
    this.#headerFilled = 0;
    this.#payloadLeft = this.#header.readUInt32LE(0);
    if (this.#payloadLeft === 0) this.#waiters.shift()!();
  }
}

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'node-tcp-bound-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`node tcp bound server exited with ${code}`)));
  });
}

export async function measureNodeTcpBound(options: NodeTcpBoundOptions): Promise<ThroughputSample[]> {
  const servers = await Promise.all(Array.from({ length: options.servers }, () => startServer()));
  const connections = servers.map((server) => new BoundConnection(server.port, options.messageBytes));
  try {
    await Promise.all(connections.map((connection) => connection.ready));
    const pids = servers.map((server) => server.child.pid!);
    const samples: ThroughputSample[] = [];
    const requestsPerRound = Math.ceil(options.roundBytes / options.messageBytes);
    for (let round = 0; round < options.rounds; round++) {
      let left = requestsPerRound;
      const done = timed(pids);
      await Promise.all(Array.from({ length: options.depth }, async (_, slot) => {
        const connection = connections[slot % connections.length]!;
        while (left > 0) {
          left--;
          await connection.request(options.messageBytes);
        }
      }));
      samples.push(done(requestsPerRound * options.messageBytes));
    }
    return samples;
  } finally {
    for (const connection of connections) connection.socket.destroy();
    for (const server of servers) server.child.kill('SIGTERM');
  }
}
