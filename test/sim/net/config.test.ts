import test from 'ava';
import { Kernel } from '../../../sim/kernel/kernel.ts';
import { NetworkModel, type NetworkConfig } from '../../../sim/net/index.ts';
import { isFlyerError } from '../../../system/env/errors.ts';
import { HDR_PORT, nodes } from './helpers.ts';

const base: NetworkConfig = { nodes: nodes(2), hopLatencyNs: 1_000, loopbackLatencyNs: 0 };

function build(config: NetworkConfig): NetworkModel {
  return new NetworkModel({ kernel: new Kernel({ tripwires: false }), config });
}

const invalidConfigs: Array<[string, NetworkConfig]> = [
  ['no nodes', { ...base, nodes: [] }],
  ['zero line rate', { ...base, nodes: [{ lineRateBitsPerSec: 0, efficiency: 0.9 }] }],
  ['efficiency above 1', { ...base, nodes: [{ lineRateBitsPerSec: 1e9, efficiency: 1.2 }] }],
  ['zero ports', { ...base, nodes: [{ ...HDR_PORT, ports: 0 }] }],
  ['fractional zone', { ...base, nodes: [{ ...HDR_PORT, zone: 0.5 }] }],
  ['zero segment size', { ...base, segmentBytes: 0 }],
  ['negative hop latency', { ...base, hopLatencyNs: -1 }],
  ['fractional loopback latency', { ...base, loopbackLatencyNs: 1.5 }],
  ['zero ingress buffer', { ...base, ingressBufferSegments: 0 }],
  ['link to itself', { ...base, links: [{ zoneA: 1, zoneB: 1, capacityBitsPerSec: 1e9, efficiency: 1, latencyNs: 0 }] }],
  [
    'duplicate link',
    {
      ...base,
      links: [
        { zoneA: 0, zoneB: 1, capacityBitsPerSec: 1e9, efficiency: 1, latencyNs: 0 },
        { zoneA: 1, zoneB: 0, capacityBitsPerSec: 1e9, efficiency: 1, latencyNs: 0 },
      ],
    },
  ],
];

for (const [name, config] of invalidConfigs) {
  test(`rejects a config with ${name} as INVALID_ARGUMENT`, (t) => {
    const error = t.throws(() => build(config));
    t.true(isFlyerError(error, 'INVALID_ARGUMENT'), String(error));
  });
}

test('rejects bad sends with coded errors', (t) => {
  const net = build({ ...base, nodes: [HDR_PORT, { ...HDR_PORT, zone: 1 }, HDR_PORT] });
  const onDelivered = (): void => {};
  const cases: Array<[Parameters<NetworkModel['send']>[0], string]> = [
    [{ fromNode: 0, toNode: 3, sizeBytes: 1, onDelivered }, 'SIM_NODE_UNKNOWN'],
    [{ fromNode: -1, toNode: 0, sizeBytes: 1, onDelivered }, 'SIM_NODE_UNKNOWN'],
    [{ fromNode: 0, toNode: 2, sizeBytes: -1, onDelivered }, 'INVALID_ARGUMENT'],
    [{ fromNode: 0, toNode: 2, sizeBytes: 0.5, onDelivered }, 'INVALID_ARGUMENT'],
    // Zones 0 and 1 have no link between them.
    [{ fromNode: 0, toNode: 1, sizeBytes: 1, onDelivered }, 'INVALID_ARGUMENT'],
  ];
  for (const [request, code] of cases) {
    const error = t.throws(() => net.send(request));
    t.true(isFlyerError(error) && error.code === code, `${JSON.stringify(request)}: ${String(error)}`);
  }
  t.is(net.counters().transfersSent, 0);
});

test('defaults: 256 KiB segments, unbounded ingress buffers, zone 0, one port', (t) => {
  const net = build(base);
  t.is(net.config.segmentBytes, 256 * 1024);
  t.is(net.config.ingressBufferSegments, Number.POSITIVE_INFINITY);
  t.deepEqual(net.config.nodes[0], { zone: 0, ports: 1, portCapacityBitsPerSec: 200e9 * 0.96 });
});
