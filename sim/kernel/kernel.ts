import { assert } from '../../system/env/assert.ts';
import { FlyerError } from '../../system/env/errors.ts';
import { EventHeap } from './event-heap.ts';
import { TraceFingerprint } from './fingerprint.ts';
import { installTripwires, realNextTick, realSetImmediate, removeTripwires } from './tripwires.ts';

/**
 * The discrete-event kernel. Two kinds of events:
 * - model events: synchronous callbacks of performance models (a segment left a port, an SSD finished);
 *   they run back to back at full speed;
 * - wake events: resume service code (resolve a promise it awaits, fire its timer). After a batch that
 *   woke anything, the kernel does not move time until every promise continuation has settled: it
 *   re-enters through queueMicrotask -> process.nextTick, and Node runs a nextTick queued from a
 *   microtask only after the whole microtask queue has drained (simulation notes §2.2).
 *
 * Wakes belong to a node incarnation. A crash bumps the node's incarnation, so wakes of the old one
 * are dropped and its promises never resolve; a paused node's wakes are parked until it resumes.
 */
export const KERNEL_NODE = -1;

const KIND_MODEL = 0;
const KIND_WAKE = 1;

export interface RunOptions {
  /** Stop before the first event after this virtual time (the clock is then set to it). */
  readonly untilNs?: number;
  /** Checked after every instant; the run ends when it returns true. */
  readonly stopWhen?: () => boolean;
  /** Called at each periodic yield to the real event loop, outside simulated work. */
  readonly onYield?: () => void;
}

export interface RunResult {
  readonly reason: 'idle' | 'until' | 'stopped';
  readonly nowNs: number;
  readonly events: number;
}

export interface KernelOptions {
  /** Instants with more events than this are a livelock. */
  readonly eventsPerInstantMax?: number;
  /** Simulated instants between yields to the real event loop. */
  readonly stepsPerYield?: number;
  /** Replace the globals listed in tripwires.ts while simulated code runs (default true). */
  readonly tripwires?: boolean;
}

interface NodeState {
  incarnation: number;
  paused: boolean;
  parked: Array<() => void>;
}

export class Kernel {
  nowNs = 0;
  readonly fingerprint = new TraceFingerprint();
  #heap = new EventHeap();
  #seq = 0;
  #callbacks: Array<(() => void) | undefined> = [];
  #kinds = new Uint8Array(1024);
  #owners = new Int32Array(1024);
  #incarnations = new Int32Array(1024);
  #freeSlots: number[] = [];
  #nodes: NodeState[] = [];
  #running = false;
  #stopRequested = false;
  #eventsTotal = 0;
  #wakesTotal = 0;
  #droppedWakes = 0;
  readonly #eventsPerInstantMax: number;
  readonly #stepsPerYield: number;
  readonly #useTripwires: boolean;

  constructor(options: KernelOptions = {}) {
    this.#eventsPerInstantMax = options.eventsPerInstantMax ?? 5_000_000;
    this.#stepsPerYield = options.stepsPerYield ?? 4096;
    this.#useTripwires = options.tripwires ?? true;
  }

  get eventsTotal(): number {
    return this.#eventsTotal;
  }
  get wakesTotal(): number {
    return this.#wakesTotal;
  }
  get droppedWakes(): number {
    return this.#droppedWakes;
  }
  get pendingEvents(): number {
    return this.#heap.size;
  }

  /** Registers a node and returns its index; wakes name nodes by index. */
  addNode(): number {
    this.#nodes.push({ incarnation: 0, paused: false, parked: [] });
    return this.#nodes.length - 1;
  }

  incarnation(nodeIndex: number): number {
    return this.#node(nodeIndex).incarnation;
  }

  /** Ends the node's current incarnation: its pending and parked wakes will never run. */
  crash(nodeIndex: number): number {
    const node = this.#node(nodeIndex);
    node.incarnation++;
    node.parked = [];
    node.paused = false;
    this.fingerprint.mix3(this.nowNs, 0xc0a5, nodeIndex);
    return node.incarnation;
  }

  pause(nodeIndex: number): void {
    this.#node(nodeIndex).paused = true;
  }

  /** Resumes a paused node: its parked wakes run now, in the order they were due. */
  resume(nodeIndex: number): void {
    const node = this.#node(nodeIndex);
    if (!node.paused) return;
    node.paused = false;
    const parked = node.parked;
    node.parked = [];
    for (const callback of parked) this.scheduleWake(this.nowNs, nodeIndex, node.incarnation, callback);
  }

  isPaused(nodeIndex: number): boolean {
    return this.#node(nodeIndex).paused;
  }

  /** A synchronous model callback at absolute time `atNs`. */
  scheduleModel(atNs: number, callback: () => void): void {
    this.#push(atNs, KIND_MODEL, KERNEL_NODE, 0, callback);
  }

  /** Resumes service code of `nodeIndex` (or KERNEL_NODE: workloads, checkers) at `atNs`. */
  scheduleWake(atNs: number, nodeIndex: number, incarnation: number, callback: () => void): void {
    this.#push(atNs, KIND_WAKE, nodeIndex, incarnation, callback);
  }

  /** Requests the current run to end after the current instant. */
  stop(): void {
    this.#stopRequested = true;
  }

  /**
   * Runs events until the queue is empty, `untilNs` passes or `stopWhen` holds. Rejects if a model
   * callback throws (a kernel or model bug) or an instant exceeds the livelock limit.
   */
  run(options: RunOptions = {}): Promise<RunResult> {
    assert(!this.#running, 'Kernel.run is not re-entrant');
    this.#running = true;
    this.#stopRequested = false;
    const untilNs = options.untilNs ?? Number.POSITIVE_INFINITY;
    const eventsAtStart = this.#eventsTotal;
    return new Promise<RunResult>((resolve, reject) => {
      const finish = (reason: RunResult['reason']): void => {
        if (this.#useTripwires) removeTripwires();
        this.#running = false;
        resolve({ reason, nowNs: this.nowNs, events: this.#eventsTotal - eventsAtStart });
      };
      const fail = (error: unknown): void => {
        if (this.#useTripwires) removeTripwires();
        this.#running = false;
        reject(error);
      };
      const armNextTick = (): void => {
        realNextTick(step);
      };
      const resumeAfterYield = (): void => {
        try {
          options.onYield?.();
        } catch (error) {
          fail(error);
          return;
        }
        step();
      };
      const step = (): void => {
        try {
          if (this.#useTripwires) installTripwires();
          for (let budget = this.#stepsPerYield; budget > 0; budget--) {
            if (this.#stopRequested || (options.stopWhen?.() ?? false)) return finish('stopped');
            if (this.#heap.size === 0) {
              // Time passes even when nothing happens: a run "until t" ends at t.
              if (untilNs !== Number.POSITIVE_INFINITY) this.nowNs = untilNs;
              return finish('idle');
            }
            const timeNs = this.#heap.peekTime();
            if (timeNs > untilNs) {
              this.nowNs = untilNs;
              return finish('until');
            }
            if (timeNs < this.nowNs) assert(false, `event at ${timeNs} is before now ${this.nowNs}`);
            this.nowNs = timeNs;
            if (this.#runInstant(timeNs)) {
              queueMicrotask(armNextTick);
              return;
            }
          }
          if (this.#useTripwires) removeTripwires();
          realSetImmediate(resumeAfterYield);
        } catch (error) {
          fail(error);
        }
      };
      realSetImmediate(step);
    });
  }

  /** Runs every event due at `timeNs`; returns whether any service code was woken. */
  #runInstant(timeNs: number): boolean {
    let woke = false;
    let eventsThisInstant = 0;
    while (this.#heap.size > 0 && this.#heap.peekTime() === timeNs) {
      const slot = this.#heap.pop();
      const callback = this.#callbacks[slot]!;
      const kind = this.#kinds[slot]!;
      const owner = this.#owners[slot]!;
      const incarnation = this.#incarnations[slot]!;
      this.#callbacks[slot] = undefined;
      this.#freeSlots.push(slot);
      this.#eventsTotal++;
      if (++eventsThisInstant > this.#eventsPerInstantMax) {
        throw new FlyerError('SIM_LIVELOCK', `more than ${this.#eventsPerInstantMax} events at ${timeNs} ns`);
      }
      if (kind === KIND_MODEL) {
        callback();
        continue;
      }
      if (owner !== KERNEL_NODE) {
        const node = this.#nodes[owner]!;
        if (node.incarnation !== incarnation) {
          this.#droppedWakes++;
          continue;
        }
        if (node.paused) {
          node.parked.push(callback);
          continue;
        }
      }
      this.#wakesTotal++;
      // The time and the owner identify a wake; the count is implied by the order of mixing.
      this.fingerprint.mix(timeNs);
      this.fingerprint.mix(owner);
      callback();
      woke = true;
    }
    return woke;
  }

  #push(atNs: number, kind: number, owner: number, incarnation: number, callback: () => void): void {
    // Messages are built only on failure: this runs for every event, and template strings allocate.
    if (!(atNs >= this.nowNs) || !Number.isFinite(atNs)) {
      assert(false, `cannot schedule at ${atNs} ns: before now (${this.nowNs} ns) or not finite`);
    }
    let slot = this.#freeSlots.pop();
    if (slot === undefined) {
      slot = this.#callbacks.length;
      this.#callbacks.push(undefined);
      if (slot >= this.#kinds.length) this.#growSlots();
    }
    this.#callbacks[slot] = callback;
    this.#kinds[slot] = kind;
    this.#owners[slot] = owner;
    this.#incarnations[slot] = incarnation;
    this.#heap.push(atNs, this.#seq++, slot);
  }

  #growSlots(): void {
    const capacity = this.#kinds.length * 2;
    const kinds = new Uint8Array(capacity);
    const owners = new Int32Array(capacity);
    const incarnations = new Int32Array(capacity);
    kinds.set(this.#kinds);
    owners.set(this.#owners);
    incarnations.set(this.#incarnations);
    this.#kinds = kinds;
    this.#owners = owners;
    this.#incarnations = incarnations;
  }

  #node(nodeIndex: number): NodeState {
    const node = this.#nodes[nodeIndex];
    if (!node) throw new FlyerError('SIM_NODE_UNKNOWN', `node index ${nodeIndex}`);
    return node;
  }
}
