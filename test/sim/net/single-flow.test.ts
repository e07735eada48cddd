import test from 'ava';
import { loneTransferNs } from '../../../sim/net/index.ts';
import { GiB, Harness, HDR_PORT, KiB, MiB, nodes, rateBitsPerSec, relativeError } from './helpers.ts';

const config = { nodes: nodes(3), hopLatencyNs: 1_000, loopbackLatencyNs: 300 };
const portCapacityBitsPerSec = HDR_PORT.lineRateBitsPerSec * HDR_PORT.efficiency;

test('one 1 GiB flow reaches efficiency x line rate within 2%', async (t) => {
  const h = new Harness(config);
  const id = h.send(0, 1, GiB);
  await h.run();
  const { deliveredNs } = h.delivery(id);
  const rate = rateBitsPerSec(GiB, deliveredNs);
  t.true(relativeError(rate, portCapacityBitsPerSec) < 0.02, `rate ${rate / 1e9} Gb/s`);
  // Not faster than the port allows, either.
  t.true(rate <= portCapacityBitsPerSec);
  t.is(h.net.portStats(0).egress.bytes, GiB);
  t.is(h.net.portStats(1).ingress.bytes, GiB);
  t.is(h.net.portStats(0).ingress.bytes, 0);
  t.is(h.net.counters().bytesDelivered, GiB);
  t.is(h.net.counters().segmentHops, 2 * (GiB / (256 * KiB)));
});

test('a lone transfer is delivered exactly when the analytic pipeline says', async (t) => {
  for (const sizeBytes of [0, 1, 256 * KiB, 256 * KiB + 1, 3 * MiB + 12_345]) {
    const h = new Harness(config);
    const id = h.send(2, 0, sizeBytes);
    await h.run();
    t.is(h.delivery(id).deliveredNs, loneTransferNs(config, { fromNode: 2, toNode: 0, sizeBytes }), `${sizeBytes} bytes`);
  }
});

test('transfers in one flow are delivered in FIFO order; another flow is not stuck behind them', async (t) => {
  const h = new Harness(config);
  const big = h.send(0, 1, 64 * MiB);
  const small = h.send(0, 1, 1 * KiB);
  const elsewhere = h.send(0, 2, 1 * KiB);
  await h.run();
  t.deepEqual(
    h.deliveries.map((delivery) => delivery.id),
    [elsewhere, big, small],
  );
  // Round-robin at the sender's egress: the other flow waits at most for one segment in service.
  t.true(h.delivery(elsewhere).deliveredNs < 20_000, `${h.delivery(elsewhere).deliveredNs} ns`);
});

test('a transfer to self bypasses the ports and takes the loopback latency', async (t) => {
  const h = new Harness(config);
  const id = h.send(1, 1, 8 * MiB);
  await h.run();
  t.is(h.delivery(id).deliveredNs, 300);
  t.is(h.net.portStats(1).egress.bytes, 0);
  t.is(h.net.portStats(1).ingress.bytes, 0);
  t.is(h.net.counters().loopbackBytes, 8 * MiB);
  t.is(h.net.counters().bytesDelivered, 8 * MiB);
});

test('a delivery callback may send again (closed loop)', async (t) => {
  const h = new Harness(config);
  let remaining = 5;
  const again = (): void => {
    if (--remaining > 0) h.send(0, 1, 1 * MiB, again);
  };
  h.send(0, 1, 1 * MiB, again);
  await h.run();
  t.is(h.deliveries.length, 5);
  const lone = loneTransferNs(config, { fromNode: 0, toNode: 1, sizeBytes: MiB });
  // Each round trip of the loop is one lone transfer, back to back.
  t.deepEqual(
    h.deliveries.map((delivery) => delivery.deliveredNs),
    [1, 2, 3, 4, 5].map((k) => k * lone),
  );
});
