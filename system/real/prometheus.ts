import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';
import { FlyerError } from '../env/errors.ts';
import type { Labels, MetricsSink } from '../env/metrics.ts';

/**
 * Mirrors Flyer metrics into prom-client, in a registry of its own (never the global default, so two
 * RealEnvs in one process do not collide). A prom metric is created on first use with the label names
 * of that first call; a later call with labels it did not declare keeps only the declared ones and is
 * counted in `flyer_prometheus_label_mismatch`. The sink never throws into service code.
 */

/** Powers of 4 from 1 to 4^20 (~1.1e12): covers ns latencies up to ~18 min and sizes up to 1 TiB. */
const HISTOGRAM_BUCKETS = Array.from({ length: 21 }, (_, i) => 4 ** i);
const MISMATCH_METRIC = 'flyer_prometheus_label_mismatch';

/** Prometheus metric names: [a-zA-Z_:][a-zA-Z0-9_:]*. `rpc.calls` becomes `rpc_calls`. */
export function sanitizeMetricName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** Label names: [a-zA-Z_][a-zA-Z0-9_]*, and `__` prefixes are reserved for Prometheus itself. */
export function sanitizeLabelName(name: string): string {
  let cleaned = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (!/^[a-zA-Z_]/.test(cleaned)) cleaned = `_${cleaned}`;
  return cleaned.startsWith('__') ? `x${cleaned}` : cleaned;
}

interface Mirrored<M> {
  readonly metric: M;
  readonly labelNames: ReadonlySet<string>;
}

export class PrometheusSink implements MetricsSink {
  readonly registry = new Registry();
  readonly #counters = new Map<string, Mirrored<Counter<string>>>();
  readonly #histograms = new Map<string, Mirrored<Histogram<string>>>();
  #mismatches: Counter<string> | undefined;
  #droppedUpdates = 0;

  /** Updates that could not be mirrored at all (e.g. a name taken by a metric of another type). */
  get droppedUpdates(): number {
    return this.#droppedUpdates;
  }

  counterAdded(name: string, labels: Labels, amount: number): void {
    try {
      const mirrored = this.#counter(name, labels);
      mirrored.metric.inc(this.#labelsFor(mirrored, labels), amount);
    } catch {
      this.#droppedUpdates++;
    }
  }

  histogramObserved(name: string, labels: Labels, value: number): void {
    try {
      const mirrored = this.#histogram(name, labels);
      mirrored.metric.observe(this.#labelsFor(mirrored, labels), value);
    } catch {
      this.#droppedUpdates++;
    }
  }

  #counter(name: string, labels: Labels): Mirrored<Counter<string>> {
    let mirrored = this.#counters.get(name);
    if (!mirrored) {
      const labelNames = Object.keys(labels).map(sanitizeLabelName);
      const metric = new Counter({ name: sanitizeMetricName(name), help: `Flyer counter ${name}`, labelNames, registers: [this.registry] });
      this.#counters.set(name, (mirrored = { metric, labelNames: new Set(labelNames) }));
    }
    return mirrored;
  }

  #histogram(name: string, labels: Labels): Mirrored<Histogram<string>> {
    let mirrored = this.#histograms.get(name);
    if (!mirrored) {
      const labelNames = Object.keys(labels).map(sanitizeLabelName);
      const metric = new Histogram({
        name: sanitizeMetricName(name), help: `Flyer histogram ${name}`, labelNames, buckets: HISTOGRAM_BUCKETS, registers: [this.registry],
      });
      this.#histograms.set(name, (mirrored = { metric, labelNames: new Set(labelNames) }));
    }
    return mirrored;
  }

  /** The call's labels, sanitized, restricted to the names the metric was created with. */
  #labelsFor(mirrored: Mirrored<unknown>, labels: Labels): Record<string, string> {
    const out: Record<string, string> = {};
    let mismatch = false;
    for (const [key, value] of Object.entries(labels)) {
      const name = sanitizeLabelName(key);
      if (mirrored.labelNames.has(name)) out[name] = value;
      else mismatch = true;
    }
    if (mismatch) {
      this.#mismatches ??= new Counter({ name: MISMATCH_METRIC, help: 'Flyer metric updates whose labels differed from the first use', registers: [this.registry] });
      this.#mismatches.inc();
    }
    return out;
  }
}

export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` in the Prometheus text format; every other path is 404. Port 0 picks one. */
export function startMetricsServer(options: { registry: Registry; port: number; host?: string }): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    options.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new FlyerError('INVALID_ARGUMENT', `metrics server cannot listen on ${host}:${options.port}: ${error.message}`, { cause: error })));
    server.listen(options.port, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve({
        host,
        port,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
