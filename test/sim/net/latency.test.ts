import test from 'ava';
import { Harness, KiB } from './helpers.ts';

// Service times are whole nanoseconds, rounded up: ceil(bytes * 8e9 / (lineRate * efficiency)).
// The expected values below are computed here, independently of the model's code.
const lineRateBitsPerSec = 100e9;
const efficiency = 0.96;
const portCapacityBitsPerSec = lineRateBitsPerSec * efficiency;
const linkCapacityBitsPerSec = 400e9 * 0.9;
const hopLatencyNs = 700;
const linkLatencyNs = 2_500;

const config = {
  nodes: [
    { zone: 0, lineRateBitsPerSec, efficiency },
    { zone: 0, lineRateBitsPerSec, efficiency },
    { zone: 1, lineRateBitsPerSec, efficiency },
  ],
  links: [{ zoneA: 0, zoneB: 1, capacityBitsPerSec: 400e9, efficiency: 0.9, latencyNs: linkLatencyNs }],
  segmentBytes: 4 * KiB,
  hopLatencyNs,
  loopbackLatencyNs: 50,
};

function serviceNs(bytes: number, capacityBitsPerSec: number): number {
  return Math.ceil((bytes * 8e9) / capacityBitsPerSec);
}

test('a small message within a zone: egress + hop + ingress + hop, exactly', async (t) => {
  const h = new Harness(config);
  const id = h.send(0, 1, 3_000);
  await h.run();
  const port = serviceNs(3_000, portCapacityBitsPerSec);
  t.is(port, 250); // 3000 B at 96 Gb/s is exactly 250 ns
  t.is(h.delivery(id).deliveredNs, port + hopLatencyNs + port + hopLatencyNs);
});

test('service times round up to whole nanoseconds', async (t) => {
  const h = new Harness(config);
  const id = h.send(0, 1, 1_001);
  await h.run();
  const port = serviceNs(1_001, portCapacityBitsPerSec);
  t.is(port, 84); // 83.42 ns rounds up
  t.is(h.delivery(id).deliveredNs, 2 * (port + hopLatencyNs));
});

test('a small message across zones also crosses the link and pays its latency', async (t) => {
  const h = new Harness(config);
  const id = h.send(0, 2, 3_000);
  await h.run();
  const port = serviceNs(3_000, portCapacityBitsPerSec);
  const link = serviceNs(3_000, linkCapacityBitsPerSec);
  t.is(link, 67); // 66.67 ns rounds up
  t.is(h.delivery(id).deliveredNs, port + hopLatencyNs + link + linkLatencyNs + port + hopLatencyNs);
  t.is(h.net.linkStats(0, 1).bytes, 3_000);
  t.is(h.net.linkStats(1, 0).bytes, 0);
});

test('two segments pipeline: the second leaves the egress while the first is at the ingress', async (t) => {
  const h = new Harness(config);
  const sizeBytes = 4 * KiB + 1_000;
  const id = h.send(1, 0, sizeBytes);
  await h.run();
  const full = serviceNs(4 * KiB, portCapacityBitsPerSec);
  const tail = serviceNs(1_000, portCapacityBitsPerSec);
  // Egress: full then tail. The tail reaches the ingress before the full segment has left it (tail < full),
  // so the ingress serves them back to back.
  t.is(h.delivery(id).deliveredNs, full + hopLatencyNs + full + tail + hopLatencyNs);
});

test('an empty message pays only the hop latencies', async (t) => {
  const h = new Harness(config);
  const id = h.send(0, 1, 0);
  await h.run();
  t.is(h.delivery(id).deliveredNs, 2 * hopLatencyNs);
});
