/**
 * The simulator's network performance model (simulation notes §3.3 and §4.4, architecture §5).
 *
 * What it models and the choices it makes:
 * - Resources. Every NIC port has an egress and an ingress resource, capacity = efficiency x line rate.
 *   A zone is a non-blocking switch, so within a zone only ports limit traffic. Zones are joined by
 *   explicit links, one resource per direction (full duplex), with their own capacity and latency.
 *   Only direct links: traffic between zones with no link between them is rejected.
 * - Path. source egress -> (link, if the zones differ) -> destination ingress. A node's transfers to
 *   itself bypass the ports and are delivered after `loopbackLatencyNs`.
 * - Ports. Egress port = toNode % senderPorts, ingress port = fromNode % receiverPorts (topology.ts).
 * - Segments. Transfers are cut into `segmentBytes` pieces (the last may be shorter; an empty transfer is
 *   one empty segment). Each resource serves one segment at a time, store-and-forward per segment and
 *   pipelined across segments, round-robin among flows (a flow = (fromNode, toNode)), one segment per
 *   turn; the flow just served rejoins behind flows that arrived meanwhile. Transfers of one flow are
 *   served in FIFO order.
 * - Time. Service time = ceil(bytes * 8e9 / capacity) whole ns (timing.ts); each resource then adds its
 *   latency (`hopLatencyNs` for ports, the link's own for links). `onDelivered` runs, from a model
 *   event, when the last segment has left the destination ingress plus its latency.
 * - Backpressure (`ingressBufferSegments`, default Infinity). An ingress port holds at most B segments,
 *   counted from when the previous resource starts serving one until it leaves the ingress. A flow whose
 *   ingress is full is skipped by the previous resource (a virtual output queue per flow: no head-of-line
 *   blocking) and gets the next freed slot in FIFO order. To keep a receiver busy, B must cover a
 *   segment's round of egress service + hop latency + ingress service: B >= 2 + ceil(hopLatencyNs /
 *   segment service time), so 3 or more at 256 KiB on 200 Gb/s with 1 us hops. Links queue without bound.
 * - Cost. One kernel event per segment per resource, one per transfer for delivery, and a wake-up when an
 *   idle resource awaits an arrival; no allocation per segment once queues have grown.
 *
 * Observation: `NetworkModel.portStats` / `linkStats` / `allStats` (bytes, segments, busy time, last
 * departure, current and peak occupancy), `counters()`, and `analyticBound` / `loneTransferNs` for the
 * ideal times tests compare against.
 */
export { DEFAULT_SEGMENT_BYTES, resolveNetworkConfig } from './config.ts';
export type { NetworkConfig, NodeNetConfig, ZoneLinkConfig, ResolvedNetworkConfig } from './config.ts';
export { NetworkModel } from './network-model.ts';
export type { NetworkModelOptions, SendRequest, PortStats, NetworkCounters } from './network-model.ts';
export type { ResourceStats } from './resource.ts';
export { egressPortFor, ingressPortFor, resolvePath } from './topology.ts';
export type { HopKind, PathHop } from './topology.ts';
export { serviceTimeNs } from './timing.ts';
export { analyticBound, loneTransferNs } from './analytic.ts';
export type { AnalyticBound, TransferSpec } from './analytic.ts';
