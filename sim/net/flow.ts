import { assert } from '../../system/env/assert.ts';
import type { NetResource } from './resource.ts';
import type { TimedRing } from './rings.ts';

/**
 * Flows, their transfers, and each flow's place at every resource on its path.
 *
 * A flow is one (fromNode, toNode) pair. Its transfers form one FIFO stream of segments, and every
 * resource serves a flow's segments in stream order, so no segment needs an identity of its own: each
 * stage keeps a cursor (transfer, segment index) into the stream and a count of segments waiting there.
 * That keeps the per-segment path free of allocations. These are internal records of the model, hence
 * public mutable fields.
 */

/** One `send`, linked into its flow's FIFO. */
export interface Transfer {
  readonly flow: Flow;
  readonly sizeBytes: number;
  /** At least 1: an empty transfer is one empty segment. */
  readonly segmentCount: number;
  readonly lastSegmentBytes: number;
  readonly onDelivered: () => void;
  next: Transfer | null;
}

/** Totals shared by all flows of one network. */
export interface DeliveryCounters {
  transfersDelivered: number;
  bytesDelivered: number;
}

/** A flow's queue at one resource of its path. */
export class FlowHop {
  readonly flow: Flow;
  /** Position on the path: 0 is the source egress port. */
  readonly stage: number;
  readonly resource: NetResource;
  /** The hop at the next resource, or null when leaving this resource means delivery. */
  next: FlowHop | null = null;
  /** Where segments leaving here wait to arrive at the next resource (null on the last hop). */
  nextInbox: TimedRing<FlowHop> | null = null;
  /** Segments here that have not started service (arrived, or sent when this is the first hop). */
  waiting = 0;
  /** Next segment to serve here; null when every appended segment has passed this stage. */
  cursor: Transfer | null = null;
  cursorSegment = 0;
  /** Set by takeSegment: the transfer whose last segment was just taken, else null. */
  finished: Transfer | null = null;
  /** Linked into `resource`'s round-robin ring. */
  inActive = false;
  activeNext: FlowHop | null = null;
  /** Waiting for a free slot in `next.resource`'s buffer (skipped by round-robin meanwhile). */
  parked = false;
  parkedNext: FlowHop | null = null;
  /** Slots granted by the next resource while parked (0 or 1). */
  credits = 0;

  constructor(flow: Flow, stage: number, resource: NetResource) {
    this.flow = flow;
    this.stage = stage;
    this.resource = resource;
  }

  /** Takes the next segment off this stage's stream and returns its size. */
  takeSegment(): number {
    const transfer = this.cursor;
    assert(transfer !== null && this.waiting > 0, 'takeSegment with no segment waiting');
    this.waiting--;
    const index = this.cursorSegment;
    if (index + 1 === transfer.segmentCount) {
      this.cursor = transfer.next;
      this.cursorSegment = 0;
      this.finished = transfer;
      return transfer.lastSegmentBytes;
    }
    this.cursorSegment = index + 1;
    this.finished = null;
    return this.flow.segmentBytes;
  }
}

export class Flow {
  readonly fromNode: number;
  readonly toNode: number;
  readonly segmentBytes: number;
  readonly hops: FlowHop[] = [];
  #tail: Transfer | null = null;
  #transfersInFlight = 0;
  readonly #counters: DeliveryCounters;

  constructor(options: { fromNode: number; toNode: number; segmentBytes: number; counters: DeliveryCounters }) {
    this.fromNode = options.fromNode;
    this.toNode = options.toNode;
    this.segmentBytes = options.segmentBytes;
    this.#counters = options.counters;
  }

  get transfersInFlight(): number {
    return this.#transfersInFlight;
  }

  /** Builds the hop chain once, when the flow is created. */
  addHop(resource: NetResource): void {
    const hop = new FlowHop(this, this.hops.length, resource);
    const previous = this.hops[this.hops.length - 1];
    if (previous !== undefined) {
      previous.next = hop;
      previous.nextInbox = resource.inboxFor(previous.resource.latencyNs);
    }
    this.hops.push(hop);
  }

  /** Appends a transfer to the stream; its segments are waiting at the first hop. */
  append(sizeBytes: number, onDelivered: () => void): void {
    const segmentCount = Math.max(1, Math.ceil(sizeBytes / this.segmentBytes));
    const lastSegmentBytes = sizeBytes - (segmentCount - 1) * this.segmentBytes;
    const transfer: Transfer = { flow: this, sizeBytes, segmentCount, lastSegmentBytes, onDelivered, next: null };
    if (this.#tail !== null) this.#tail.next = transfer;
    this.#tail = transfer;
    this.#transfersInFlight++;
    // A null cursor has passed everything appended so far, so it points at the newcomer now.
    for (const hop of this.hops) {
      if (hop.cursor === null) {
        assert(hop.waiting === 0, 'a stage with no cursor has segments waiting');
        hop.cursor = transfer;
        hop.cursorSegment = 0;
      }
    }
    this.hops[0]!.waiting += segmentCount;
  }

  /** The transfer's last segment has left the last hop and its latency has passed. */
  complete(transfer: Transfer): void {
    assert(transfer.flow === this && this.#transfersInFlight > 0, 'completing a transfer this flow does not have');
    this.#counters.bytesDelivered += transfer.sizeBytes;
    this.#counters.transfersDelivered++;
    this.#transfersInFlight--;
    // Last, so a callback that sends again sees consistent state.
    transfer.onDelivered();
  }
}
