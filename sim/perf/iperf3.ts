/**
 * Loopback iperf3, single TCP stream: the baseline real-mode read throughput is held against. Starts a
 * one-shot server (`iperf3 -s -1`) on a free loopback port, runs the client for `seconds`, and parses
 * the JSON report. Needs the iperf3 binary (`apt-get install -y iperf3`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export interface Iperf3Result {
  readonly bitsPerSecond: number;
  readonly MBps: number;
  /** CPU use reported by iperf3 (percent of one CPU): the sender (host) and the receiver (remote). */
  readonly cpuPercent: { readonly sender: number; readonly receiver: number };
}

export function iperf3Available(): boolean {
  const probe = spawnSync('iperf3', ['--version'], { encoding: 'utf8' });
  return !probe.error && probe.status === 0;
}

export async function iperf3Loopback(seconds = 3): Promise<Iperf3Result> {
  // A port picked free may be taken by another program before iperf3 binds it: try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await iperf3Once(seconds, await freePort());
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function iperf3Once(seconds: number, port: number): Promise<Iperf3Result> {
  const server = spawn('iperf3', ['-s', '-1', '--forceflush', '-B', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('iperf3 server did not start')), 5000);
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.once('exit', (code) => reject(new Error(`iperf3 server exited with ${code}`)));
    });
    const client = spawnSync('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-J'], { encoding: 'utf8', timeout: (seconds + 10) * 1000 });
    if (client.status !== 0) throw new Error(`iperf3 client failed (${client.status}): ${client.stderr || client.stdout}`);
    const report = JSON.parse(client.stdout) as {
      end: { sum_received: { bits_per_second: number }; cpu_utilization_percent: { host_total: number; remote_total: number } };
    };
    const bitsPerSecond = report.end.sum_received.bits_per_second;
    return {
      bitsPerSecond,
      MBps: Math.round(bitsPerSecond / 8 / 1e6),
      cpuPercent: {
        sender: Number(report.end.cpu_utilization_percent.host_total.toFixed(1)),
        receiver: Number(report.end.cpu_utilization_percent.remote_total.toFixed(1)),
      },
    };
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
