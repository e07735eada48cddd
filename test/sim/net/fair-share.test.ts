import test from 'ava';
import { analyticBound } from '../../../sim/net/index.ts';
import { Harness, HDR_PORT, MiB, nodes, rateBitsPerSec, relativeError } from './helpers.ts';

const portCapacityBitsPerSec = HDR_PORT.lineRateBitsPerSec * HDR_PORT.efficiency;

for (const senders of [2, 4, 8, 16]) {
  test(`${senders} senders into one receiver port each get 1/${senders} of it (within 5%)`, async (t) => {
    const config = { nodes: nodes(senders + 1), hopLatencyNs: 1_000, loopbackLatencyNs: 0 };
    const h = new Harness(config);
    const receiver = senders;
    const sizeBytes = 64 * MiB;
    for (let sender = 0; sender < senders; sender++) h.send(sender, receiver, sizeBytes);
    await h.run();
    t.is(h.deliveries.length, senders);
    // Equal sizes, all sent at 0: each flow's throughput is its size over its completion time.
    const fairShareBitsPerSec = portCapacityBitsPerSec / senders;
    for (const delivery of h.deliveries) {
      const rate = rateBitsPerSec(sizeBytes, delivery.deliveredNs);
      t.true(relativeError(rate, fairShareBitsPerSec) < 0.05, `flow ${delivery.fromNode}: ${rate / 1e9} Gb/s`);
    }
    // The receiver port is the bottleneck and stays busy: the batch ends within 1% of the fluid bound.
    const lastNs = Math.max(...h.deliveries.map((delivery) => delivery.deliveredNs));
    const bound = analyticBound(
      config,
      h.deliveries.map(({ fromNode, toNode }) => ({ fromNode, toNode, sizeBytes })),
    );
    t.is(bound.bottleneckKey, `ingress:${receiver}.0`);
    t.true(lastNs >= bound.boundNs && lastNs < bound.boundNs * 1.01, `${lastNs} vs bound ${bound.boundNs}`);
    t.is(h.net.portStats(receiver).ingress.busyNs, bound.busyNsByResource.get(`ingress:${receiver}.0`) ?? -1);
  });
}

test('a flow that joins late gets an equal share while both are active', async (t) => {
  const h = new Harness({ nodes: nodes(3), hopLatencyNs: 1_000, loopbackLatencyNs: 0 });
  const early = h.send(0, 2, 256 * MiB);
  let late = -1;
  // Join after 5 ms; the early flow has then moved about 5 ms x 192 Gb/s = 120 MB.
  h.kernel.scheduleModel(5_000_000, () => {
    late = h.send(1, 2, 64 * MiB);
  });
  await h.run();
  const lateDelivery = h.delivery(late);
  const lateRate = rateBitsPerSec(64 * MiB, lateDelivery.deliveredNs - lateDelivery.sentNs);
  t.true(relativeError(lateRate, portCapacityBitsPerSec / 2) < 0.05, `late flow ${lateRate / 1e9} Gb/s`);
  // The early flow had the whole port before and after.
  const earlyRate = rateBitsPerSec(256 * MiB + 64 * MiB, h.delivery(early).deliveredNs);
  t.true(relativeError(earlyRate, portCapacityBitsPerSec) < 0.02, `receiver ${earlyRate / 1e9} Gb/s`);
});

test('multi-port nodes: flows spread over ports by peer index and each port has full capacity', async (t) => {
  const dualPort = { ...HDR_PORT, ports: 2 };
  const config = { nodes: nodes(5, dualPort), hopLatencyNs: 1_000, loopbackLatencyNs: 0 };
  const h = new Harness(config);
  const sizeBytes = 64 * MiB;
  for (let sender = 0; sender < 4; sender++) h.send(sender, 4, sizeBytes);
  await h.run();
  // Ingress port = fromNode % 2: senders 0 and 2 share port 0, senders 1 and 3 share port 1.
  t.is(h.net.portStats(4, 0).ingress.bytes, 2 * sizeBytes);
  t.is(h.net.portStats(4, 1).ingress.bytes, 2 * sizeBytes);
  // Egress port = toNode % 2 = 0 for every sender.
  for (let sender = 0; sender < 4; sender++) {
    t.is(h.net.portStats(sender, 0).egress.bytes, sizeBytes);
    t.is(h.net.portStats(sender, 1).egress.bytes, 0);
  }
  const lastNs = Math.max(...h.deliveries.map((delivery) => delivery.deliveredNs));
  const aggregate = rateBitsPerSec(4 * sizeBytes, lastNs);
  t.true(relativeError(aggregate, 2 * portCapacityBitsPerSec) < 0.02, `${aggregate / 1e9} Gb/s`);
});
