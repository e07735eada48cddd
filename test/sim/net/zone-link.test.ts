import test from 'ava';
import { Harness, HDR_PORT, MiB, rateBitsPerSec, relativeError } from './helpers.ts';

// Two zones of 4 nodes with 192 Gb/s ports, joined by one 100 Gb/s link (efficiency 1): four disjoint
// node pairs could move 4 x 192 Gb/s within a zone, but only 100 Gb/s per direction between zones.
const linkCapacityBitsPerSec = 100e9;
const portCapacityBitsPerSec = HDR_PORT.lineRateBitsPerSec * HDR_PORT.efficiency;
const config = {
  nodes: Array.from({ length: 8 }, (_, i) => ({ ...HDR_PORT, zone: i < 4 ? 0 : 1 })),
  links: [{ zoneA: 0, zoneB: 1, capacityBitsPerSec: linkCapacityBitsPerSec, efficiency: 1, latencyNs: 2_000 }],
  hopLatencyNs: 1_000,
  loopbackLatencyNs: 0,
};
const sizeBytes = 64 * MiB;

test('the zone link caps the aggregate of cross-zone flows and shares it equally', async (t) => {
  const h = new Harness(config);
  for (let i = 0; i < 4; i++) h.send(i, 4 + i, sizeBytes);
  await h.run();
  const lastNs = Math.max(...h.deliveries.map((delivery) => delivery.deliveredNs));
  const aggregate = rateBitsPerSec(4 * sizeBytes, lastNs);
  t.true(relativeError(aggregate, linkCapacityBitsPerSec) < 0.02, `aggregate ${aggregate / 1e9} Gb/s`);
  for (const delivery of h.deliveries) {
    const rate = rateBitsPerSec(sizeBytes, delivery.deliveredNs);
    t.true(relativeError(rate, linkCapacityBitsPerSec / 4) < 0.05, `flow ${delivery.fromNode}: ${rate / 1e9} Gb/s`);
  }
  t.is(h.net.linkStats(0, 1).bytes, 4 * sizeBytes);
});

test('the same pairs within one zone are limited only by their ports', async (t) => {
  const h = new Harness({ ...config, nodes: config.nodes.map((node) => ({ ...node, zone: 0 })) });
  for (let i = 0; i < 4; i++) h.send(i, 4 + i, sizeBytes);
  await h.run();
  for (const delivery of h.deliveries) {
    const rate = rateBitsPerSec(sizeBytes, delivery.deliveredNs);
    t.true(relativeError(rate, portCapacityBitsPerSec) < 0.02, `flow ${delivery.fromNode}: ${rate / 1e9} Gb/s`);
  }
});

test('the link is full duplex: each direction has its own capacity', async (t) => {
  const h = new Harness(config);
  for (let i = 0; i < 4; i++) {
    h.send(i, 4 + i, sizeBytes);
    h.send(4 + i, i, sizeBytes);
  }
  await h.run();
  for (const [fromZone, toZone] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const crossing = h.deliveries.filter((delivery) => (delivery.fromNode < 4 ? 0 : 1) === fromZone);
    const lastNs = Math.max(...crossing.map((delivery) => delivery.deliveredNs));
    const aggregate = rateBitsPerSec(4 * sizeBytes, lastNs);
    t.true(relativeError(aggregate, linkCapacityBitsPerSec) < 0.02, `${fromZone}->${toZone}: ${aggregate / 1e9} Gb/s`);
    t.is(h.net.linkStats(fromZone, toZone).bytes, 4 * sizeBytes);
  }
});
