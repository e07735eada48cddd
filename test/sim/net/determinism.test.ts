import test from 'ava';
import type { NetworkConfig, NetworkCounters, ResourceStats } from '../../../sim/net/index.ts';
import { Harness, HDR_PORT, KiB, MiB } from './helpers.ts';

// A busy mixed scenario: 12 nodes in two zones, dual-port nodes, finite buffers, closed-loop senders
// choosing peers and sizes from a fixed LCG, loopback included.
const config: NetworkConfig = {
  nodes: Array.from({ length: 12 }, (_, i) => ({ ...HDR_PORT, zone: i % 2, ports: 1 + (i % 3 === 0 ? 1 : 0) })),
  links: [{ zoneA: 0, zoneB: 1, capacityBitsPerSec: 400e9, efficiency: 0.95, latencyNs: 3_000 }],
  segmentBytes: 128 * KiB,
  hopLatencyNs: 1_200,
  loopbackLatencyNs: 400,
  ingressBufferSegments: 3,
};

async function scenario(): Promise<{ log: string[]; counters: NetworkCounters; stats: ResourceStats[] }> {
  const h = new Harness(config);
  let state = 42;
  const draw = (bound: number): number => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 8) % bound;
  };
  let remaining = 400;
  const issue = (fromNode: number): void => {
    if (remaining-- <= 0) return;
    h.send(fromNode, draw(12), draw(3) === 0 ? draw(4 * KiB) : draw(6 * MiB), () => issue(fromNode));
  };
  for (let node = 0; node < 12; node++) for (let depth = 0; depth < 4; depth++) issue(node);
  await h.run();
  return {
    log: h.deliveries.map((d) => `${d.id} ${d.fromNode}->${d.toNode} ${d.sizeBytes} @${d.deliveredNs}`),
    counters: h.net.counters(),
    stats: h.net.allStats(),
  };
}

test('the same scenario twice gives identical delivery times and counters', async (t) => {
  const first = await scenario();
  const second = await scenario();
  t.is(first.log.length, 400);
  t.deepEqual(second.log, first.log);
  t.deepEqual(second.counters, first.counters);
  t.deepEqual(second.stats, first.stats);
  // The scenario does reach the interesting paths: full buffers, the zone link, loopback.
  t.true(first.stats.some((stats) => stats.key.startsWith('ingress:') && stats.occupancyMax === 3));
  t.true(first.stats.some((stats) => stats.key.startsWith('link:') && stats.bytes > 0));
  t.true(first.counters.loopbackTransfers > 0);
});
