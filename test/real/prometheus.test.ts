import test from 'ava';
import { MetricsRegistry } from '../../system/env/metrics.ts';
import { PrometheusSink, sanitizeLabelName, sanitizeMetricName, startMetricsServer } from '../../system/real/prometheus.ts';
import { startCluster } from './helpers.ts';

test('GET /metrics shows counters and histograms recorded through env.metrics', async (t) => {
  const cluster = await startCluster(['storage-1'], { metricsPort: 0 });
  t.teardown(() => cluster.close());
  const [env] = cluster.envs;
  env!.metrics.counter('storage.bytes.written', { target: '7' }).add(4096);
  env!.metrics.counter('storage.bytes.written', { target: '7' }).add(1024);
  env!.metrics.histogram('rpc.latency_ns', { method: 'storage.write' }).observe(2_500_000);
  const { port } = env!.addresses!.metrics!;
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /text\/plain/);
  const text = await response.text();
  t.regex(text, /^storage_bytes_written\{target="7"\} 5120$/m);
  t.regex(text, /^rpc_latency_ns_count\{method="storage\.write"\} 1$/m);
  t.regex(text, /^rpc_latency_ns_sum\{method="storage\.write"\} 2500000$/m);
  t.regex(text, /^rpc_latency_ns_bucket\{le="4194304",method="storage\.write"\} 1$/m);
  t.is((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  t.is((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status, 405);
});

test('the sink sanitizes names and survives label mismatches and name clashes', async (t) => {
  const sink = new PrometheusSink();
  const metrics = new MetricsRegistry(() => 0, sink);
  metrics.counter('9lives.count-x', { 'node id': 'a', __secret: 'b' }).add(2);
  metrics.counter('9lives.count-x', { 'node id': 'a', extra: 'c' }).add(1);
  metrics.histogram('9lives.count-x').observe(5); // same Prometheus name, other type: dropped, not thrown
  const text = await sink.registry.metrics();
  t.regex(text, /^_9lives_count_x\{node_id="a",x__secret="b"\} 2$/m);
  t.regex(text, /^_9lives_count_x\{node_id="a"\} 1$/m);
  t.regex(text, /^flyer_prometheus_label_mismatch 1$/m);
  t.is(sink.droppedUpdates, 1);
  t.is(sanitizeMetricName('a.b:c'), 'a_b:c');
  t.is(sanitizeLabelName('0x'), '_0x');
});

test('startMetricsServer serves a registry on its own and closes cleanly', async (t) => {
  const sink = new PrometheusSink();
  new MetricsRegistry(() => 0, sink).counter('alone').add();
  const server = await startMetricsServer({ registry: sink.registry, port: 0 });
  const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  t.regex(text, /^alone 1$/m);
  await server.close();
  await t.throwsAsync(fetch(`http://127.0.0.1:${server.port}/metrics`));
});
