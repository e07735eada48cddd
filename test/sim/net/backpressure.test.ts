import test from 'ava';
import type { NetworkConfig } from '../../../sim/net/index.ts';
import { Harness, HDR_PORT, MiB, nodes, rateBitsPerSec, relativeError } from './helpers.ts';

const portCapacityBitsPerSec = HDR_PORT.lineRateBitsPerSec * HDR_PORT.efficiency;
const senders = 8;
const receiver = senders;
const sizeBytes = 32 * MiB;
const bufferSegments = 4;

function incastConfig(ingressBufferSegments?: number): NetworkConfig {
  return { nodes: nodes(senders + 1), hopLatencyNs: 1_000, loopbackLatencyNs: 0, ingressBufferSegments };
}

async function incast(ingressBufferSegments?: number) {
  const h = new Harness(incastConfig(ingressBufferSegments));
  for (let sender = 0; sender < senders; sender++) h.send(sender, receiver, sizeBytes);
  await h.run();
  const ingress = h.net.portStats(receiver).ingress;
  const senderEgressDoneNs = Array.from({ length: senders }, (_, sender) => h.net.portStats(sender).egress.lastDepartureNs);
  return { h, ingress, drainedNs: ingress.lastDepartureNs, senderEgressDoneNs };
}

test('incast with finite ingress buffers: occupancy never exceeds B and senders slow to 1/M', async (t) => {
  const finite = await incast(bufferSegments);
  const infinite = await incast();

  // (a) The receiver never holds more than B segments, and the buffer did fill.
  t.is(finite.ingress.occupancyMax, bufferSegments);
  t.is(finite.ingress.occupancy, 0);
  // Without backpressure, nearly everything piles up at the receiver.
  t.true(infinite.ingress.occupancyMax > senders * 100, `unbounded queue ${infinite.ingress.occupancyMax}`);

  // (b) With backpressure, every sender's egress runs until about when the receiver drains ...
  for (const [sender, doneNs] of finite.senderEgressDoneNs.entries()) {
    t.true(doneNs >= 0.97 * finite.drainedNs, `sender ${sender} egress done at ${doneNs}, drained at ${finite.drainedNs}`);
    const rate = rateBitsPerSec(sizeBytes, doneNs);
    t.true(relativeError(rate, portCapacityBitsPerSec / senders) < 0.05, `sender ${sender} at ${rate / 1e9} Gb/s`);
  }
  // ... whereas without it each egress runs at full rate and finishes about M times sooner.
  for (const [sender, doneNs] of infinite.senderEgressDoneNs.entries()) {
    const ratio = infinite.drainedNs / doneNs;
    t.true(relativeError(ratio, senders) < 0.05, `sender ${sender} done ${ratio.toFixed(2)}x before the drain`);
  }

  // The receiver stays busy either way (B = 4 covers two service times plus the hop latency), and the
  // same bytes arrive.
  t.true(relativeError(finite.drainedNs, infinite.drainedNs) < 0.01, `${finite.drainedNs} vs ${infinite.drainedNs}`);
  t.is(finite.h.net.counters().bytesDelivered, senders * sizeBytes);
  t.is(infinite.h.net.counters().bytesDelivered, senders * sizeBytes);
  t.is(finite.ingress.bytes, infinite.ingress.bytes);
  t.is(finite.h.deliveries.length, senders);
});

test('a buffer of one segment still delivers everything, just without pipelining', async (t) => {
  const { h, ingress, drainedNs } = await incast(1);
  t.is(ingress.occupancyMax, 1);
  t.is(h.net.counters().bytesDelivered, senders * sizeBytes);
  // Each segment holds the only slot for egress service + hop + ingress service: about half the rate.
  const rate = rateBitsPerSec(senders * sizeBytes, drainedNs);
  t.true(rate < 0.6 * portCapacityBitsPerSec && rate > 0.4 * portCapacityBitsPerSec, `${rate / 1e9} Gb/s`);
});

test('no head-of-line blocking: a sender blocked towards a hot receiver keeps serving a free one', async (t) => {
  // Senders 0..7 all push to receiver 9; sender 0 also sends to the idle node 8.
  const h = new Harness({ nodes: nodes(10), hopLatencyNs: 1_000, loopbackLatencyNs: 0, ingressBufferSegments: 2 });
  for (let sender = 0; sender < 8; sender++) h.send(sender, 9, sizeBytes);
  const free = h.send(0, 8, sizeBytes);
  await h.run();
  // Sender 0's egress alternates between its two flows only when the hot one has a slot (about 1/8 of
  // the time), so the free flow gets most of the port.
  const rate = rateBitsPerSec(sizeBytes, h.delivery(free).deliveredNs);
  t.true(rate > 0.8 * portCapacityBitsPerSec, `free flow at ${rate / 1e9} Gb/s`);
  t.true(h.net.portStats(9).ingress.occupancyMax <= 2);
});

test('backpressure through a zone link: the link holds back flows into a full receiver', async (t) => {
  const config: NetworkConfig = {
    nodes: Array.from({ length: 5 }, (_, i) => ({ ...HDR_PORT, zone: i < 4 ? 0 : 1 })),
    links: [{ zoneA: 0, zoneB: 1, capacityBitsPerSec: 800e9, efficiency: 1, latencyNs: 3_000 }],
    hopLatencyNs: 1_000,
    loopbackLatencyNs: 0,
    ingressBufferSegments: 3,
  };
  const h = new Harness(config);
  for (let sender = 0; sender < 4; sender++) h.send(sender, 4, 16 * MiB);
  await h.run();
  t.is(h.net.portStats(4).ingress.occupancyMax, 3);
  t.is(h.net.counters().bytesDelivered, 4 * 16 * MiB);
  // The excess waits in the link's queue instead (only ingress buffers are finite).
  t.true(h.net.linkStats(0, 1).occupancyMax > 3);
});
