import { assert } from '../../system/env/assert.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { FlowHop, Transfer } from './flow.ts';
import { Ring, TimedRing } from './rings.ts';
import type { HopKind } from './topology.ts';
import { serviceTimeNs } from './timing.ts';

export interface NetResourceOptions {
  readonly kernel: Kernel;
  readonly kind: HopKind;
  /** Names the resource in stats and errors, e.g. `egress:3.0`. */
  readonly key: string;
  readonly capacityBitsPerSec: number;
  /** Added after a segment leaves this resource, before it reaches the next one. */
  readonly latencyNs: number;
  /** Segments this resource may hold (Infinity: no backpressure towards it). */
  readonly bufferSegments: number;
}

export interface ResourceStats {
  readonly key: string;
  readonly capacityBitsPerSec: number;
  readonly bytes: number;
  readonly segments: number;
  /** Sum of service times; busyNs / elapsed is the utilisation. */
  readonly busyNs: number;
  /** When the last segment left (before its latency); -1 if none has. */
  readonly lastDepartureNs: number;
  /** Segments held now: reserved by the previous resource, in flight, queued here or in service. */
  readonly occupancy: number;
  readonly occupancyMax: number;
}

/**
 * One direction of a port or link: serves one segment at a time at its capacity, choosing among flows
 * round-robin, one segment per turn.
 *
 * Events: one per segment (end of service, a pre-bound callback: no closure per segment), plus one per
 * transfer on its last hop (delivery after the latency), plus a wake-up when an idle resource awaits an
 * arrival. A segment that leaves for the next resource is not an event: it goes into that resource's
 * inbox stamped with its arrival time, and the resource takes in every arrival that is due whenever it
 * picks its next segment. Latency is constant per upstream resource, so one inbox per distinct upstream
 * latency is already in time order.
 *
 * Backpressure: a segment occupies a slot of the next resource from the moment this resource starts
 * serving it until it leaves the next resource. A flow whose next resource is full is taken out of the
 * round-robin and parked at that resource (a virtual output queue per flow, so no head-of-line blocking:
 * other flows here keep going). A freed slot is granted to the first parked flow, which rejoins the
 * round-robin holding it; so a full resource's slots go to its blocked senders in FIFO order.
 */
export class NetResource {
  readonly kind: HopKind;
  readonly key: string;
  readonly capacityBitsPerSec: number;
  readonly latencyNs: number;
  readonly bufferSegments: number;
  readonly #kernel: Kernel;
  #servingHop: FlowHop | null = null;
  #servingBytes = 0;
  /** The transfer whose last segment is in service (delivered after it leaves the last hop). */
  #servingFinished: Transfer | null = null;
  #activeHead: FlowHop | null = null;
  #activeTail: FlowHop | null = null;
  #parkedHead: FlowHop | null = null;
  #parkedTail: FlowHop | null = null;
  /** Arrivals by upstream latency; `#inboxLatenciesNs[i]` is the latency of `#inboxes[i]`. */
  readonly #inboxes: Array<TimedRing<FlowHop>> = [];
  readonly #inboxLatenciesNs: number[] = [];
  /** Transfers whose last segment left here and whose delivery event is pending, oldest first. */
  readonly #deliveries = new Ring<Transfer>();
  /** Earliest pending wake-up, Infinity if none. */
  #wakeAtNs = Number.POSITIVE_INFINITY;
  #occupancy = 0;
  #occupancyMax = 0;
  #bytes = 0;
  #segments = 0;
  #busyNs = 0;
  #lastDepartureNs = -1;

  constructor(options: NetResourceOptions) {
    this.#kernel = options.kernel;
    this.kind = options.kind;
    this.key = options.key;
    this.capacityBitsPerSec = options.capacityBitsPerSec;
    this.latencyNs = options.latencyNs;
    this.bufferSegments = options.bufferSegments;
  }

  stats(): ResourceStats {
    return {
      key: this.key,
      capacityBitsPerSec: this.capacityBitsPerSec,
      bytes: this.#bytes,
      segments: this.#segments,
      busyNs: this.#busyNs,
      lastDepartureNs: this.#lastDepartureNs,
      occupancy: this.#occupancy,
      occupancyMax: this.#occupancyMax,
    };
  }

  /** The inbox for segments from upstream resources with this latency (made when a flow is built). */
  inboxFor(upstreamLatencyNs: number): TimedRing<FlowHop> {
    const index = this.#inboxLatenciesNs.indexOf(upstreamLatencyNs);
    if (index >= 0) return this.#inboxes[index]!;
    const inbox = new TimedRing<FlowHop>();
    this.#inboxes.push(inbox);
    this.#inboxLatenciesNs.push(upstreamLatencyNs);
    return inbox;
  }

  /** `hop` (a hop at this resource) has segments waiting now; it enters the round-robin if it can. */
  enqueue(hop: FlowHop): void {
    if (!hop.inActive && !hop.parked && hop !== this.#servingHop) this.#appendActive(hop);
    if (this.#servingHop === null) this.#startNext();
  }

  /** A segment of `hop` (a hop at this resource) will arrive at `arrivalNs` through `inbox`. */
  #accept(hop: FlowHop, inbox: TimedRing<FlowHop>, arrivalNs: number): void {
    inbox.push(hop, arrivalNs);
    if (this.#servingHop !== null) return;
    if (arrivalNs <= this.#kernel.nowNs) this.#startNext();
    else this.#wakeAt(arrivalNs);
  }

  #wakeAt(atNs: number): void {
    if (atNs >= this.#wakeAtNs) return;
    this.#wakeAtNs = atNs;
    this.#kernel.scheduleModel(atNs, this.#onWake);
  }

  readonly #onWake = (): void => {
    // A superseded wake-up may still fire; it is harmless, since an idle resource only looks for work.
    if (this.#kernel.nowNs >= this.#wakeAtNs) this.#wakeAtNs = Number.POSITIVE_INFINITY;
    if (this.#servingHop === null) this.#startNext();
  };

  /**
   * Moves every due arrival into the round-robin, earliest first (ties: inbox creation order). The flow
   * in service stays out: it rejoins at the tail when its segment leaves.
   */
  #takeArrivals(nowNs: number): void {
    const inboxes = this.#inboxes;
    for (;;) {
      let earliest: TimedRing<FlowHop> | null = null;
      let earliestNs = nowNs;
      for (let i = 0; i < inboxes.length; i++) {
        const timeNs = inboxes[i]!.peekTime();
        if (timeNs < earliestNs || (timeNs === earliestNs && earliest === null)) {
          earliest = inboxes[i]!;
          earliestNs = timeNs;
        }
      }
      if (earliest === null) return;
      const hop = earliest.shift();
      hop.waiting++;
      if (!hop.inActive && !hop.parked && hop !== this.#servingHop) this.#appendActive(hop);
    }
  }

  #appendActive(hop: FlowHop): void {
    hop.inActive = true;
    hop.activeNext = null;
    if (this.#activeTail === null) this.#activeHead = hop;
    else this.#activeTail.activeNext = hop;
    this.#activeTail = hop;
  }

  /** Starts the next segment in round-robin order, skipping (parking) flows whose next resource is full. */
  #startNext(): void {
    const nowNs = this.#kernel.nowNs;
    if (this.#inboxes.length > 0) this.#takeArrivals(nowNs);
    for (;;) {
      const hop = this.#activeHead;
      if (hop === null) break;
      this.#activeHead = hop.activeNext;
      if (this.#activeHead === null) this.#activeTail = null;
      hop.activeNext = null;
      hop.inActive = false;
      const next = hop.next;
      if (next !== null && !next.resource.#reserveFor(hop)) continue;
      const bytes = hop.takeSegment();
      this.#servingHop = hop;
      this.#servingBytes = bytes;
      this.#servingFinished = hop.finished;
      const durationNs = serviceTimeNs(bytes, this.capacityBitsPerSec);
      this.#busyNs += durationNs;
      this.#kernel.scheduleModel(nowNs + durationNs, this.#onServiceDone);
      return;
    }
    // Idle: sleep until the next arrival, if one is on its way.
    for (let i = 0; i < this.#inboxes.length; i++) this.#wakeAt(this.#inboxes[i]!.peekTime());
  }

  /** Takes a slot here for a segment `upstream` is about to serve; parks `upstream` if none is free. */
  #reserveFor(upstream: FlowHop): boolean {
    if (upstream.credits > 0) {
      upstream.credits--;
      return true;
    }
    if (this.#occupancy >= this.bufferSegments) {
      upstream.parked = true;
      upstream.parkedNext = null;
      if (this.#parkedTail === null) this.#parkedHead = upstream;
      else this.#parkedTail.parkedNext = upstream;
      this.#parkedTail = upstream;
      return false;
    }
    // Slots go to parked flows first, so a flow can only find a free slot when none is parked.
    check(this.#parkedHead === null, this.key, 'has a free slot while flows are parked');
    this.#occupancy++;
    if (this.#occupancy > this.#occupancyMax) this.#occupancyMax = this.#occupancy;
    check(this.#occupancy <= this.bufferSegments, this.key, 'occupancy above its buffer');
    return true;
  }

  /** A segment left this resource: free its slot, or hand it straight to the first parked flow. */
  #releaseSlot(): void {
    const waiter = this.#parkedHead;
    if (waiter === null) {
      this.#occupancy--;
      check(this.#occupancy >= 0, this.key, 'occupancy went negative');
      return;
    }
    this.#parkedHead = waiter.parkedNext;
    if (this.#parkedHead === null) this.#parkedTail = null;
    waiter.parkedNext = null;
    waiter.parked = false;
    check(waiter.credits === 0 && waiter.waiting > 0, this.key, 'granted a slot to a flow that cannot use it');
    waiter.credits = 1;
    waiter.resource.enqueue(waiter);
  }

  readonly #onServiceDone = (): void => {
    const hop = this.#servingHop;
    check(hop !== null, this.key, 'finished a service it never started');
    const nowNs = this.#kernel.nowNs;
    const finished = this.#servingFinished;
    this.#bytes += this.#servingBytes;
    this.#segments++;
    this.#lastDepartureNs = nowNs;
    const next = hop.next;
    if (next !== null) {
      next.resource.#accept(next, hop.nextInbox!, nowNs + this.latencyNs);
    } else if (finished !== null) {
      this.#deliveries.push(finished);
      this.#kernel.scheduleModel(nowNs + this.latencyNs, this.#onDeliveryDue);
    }
    // Segments at the first stage came from the sender's memory and never held a slot here.
    if (hop.stage > 0) this.#releaseSlot();
    // Round-robin: flows that arrived during this service queue up before the flow just served rejoins.
    if (this.#inboxes.length > 0) this.#takeArrivals(nowNs);
    this.#servingHop = null;
    this.#servingFinished = null;
    check(!hop.inActive && !hop.parked, this.key, 'served a flow that was queued or parked');
    if (hop.waiting > 0) this.#appendActive(hop);
    this.#startNext();
  };

  readonly #onDeliveryDue = (): void => {
    const transfer = this.#deliveries.shift();
    transfer.flow.complete(transfer);
  };
}

/**
 * `assert` with the resource named in the message, built only on failure: these checks sit on the
 * per-segment path, where even a template string per call would be an allocation per segment.
 */
function check(condition: boolean, key: string, what: string): asserts condition {
  if (!condition) assert(false, `${key} ${what}`);
}
