import { assert } from '../../system/env/assert.ts';
import type { RandomStream } from '../../system/env/random.ts';
import type { NodeId } from '../../system/env/types.ts';
import type { Simulation } from '../simulation.ts';
import type { FaultRates } from './swarm.ts';

export interface NemesisOptions {
  /** Nodes the nemesis may crash, pause, partition and degrade. */
  readonly targets: readonly NodeId[];
  /** At most this many targets are down or paused at once, so the system under test can stay available. */
  readonly downMax: number;
}

/**
 * Injects faults as a Poisson process during the safety phase: crashes with restarts, pauses,
 * symmetric and one-way partitions, slow disks and clock offsets, on top of the per-message loss,
 * duplication, delay and disk error rates it sets. `calm()` starts the liveness phase: every fault is
 * undone and no new one is injected.
 */
export class Nemesis {
  #active = false;
  #down = new Set<NodeId>();
  readonly injected = { crashes: 0, pauses: 0, partitions: 0, slowDisks: 0, clockOffsets: 0 };
  repairedDisks = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly rates: FaultRates,
    private readonly random: RandomStream,
    private readonly options: NemesisOptions,
  ) {
    assert(options.targets.length > 0, 'the nemesis needs targets');
  }

  /** Starts injecting faults; call from kernel context (before or during a run). */
  start(): void {
    this.#active = true;
    this.sim.buggifyEnabled = true;
    const net = this.sim.netFaults;
    net.dropProbability = this.rates.dropProbability;
    net.duplicateProbability = this.rates.duplicateProbability;
    net.delayProbability = this.rates.delayProbability;
    net.delayMaxNs = this.rates.delayNsMax;
    for (const id of this.options.targets) this.sim.node(id).diskFaults.ioErrorProbability = this.rates.diskErrorProbability;
    this.#every(this.rates.crashesPerSec, () => this.#crash());
    this.#every(this.rates.pausesPerSec, () => this.#pause());
    this.#every(this.rates.partitionsPerSec, () => this.#partition());
    this.#every(this.rates.slowDisksPerSec, () => this.#slowDisk());
    if (this.rates.clockOffsetNsMax > 0) {
      for (const id of this.options.targets) {
        this.sim.node(id).clockOffsetNs = Math.round((this.random.next() * 2 - 1) * this.rates.clockOffsetNsMax);
        this.injected.clockOffsets++;
      }
    }
  }

  /** The liveness phase: heal the network, restart and resume every node, stop all faults. */
  calm(): void {
    this.#active = false;
    this.sim.buggifyEnabled = false;
    this.sim.netFaults.calm();
    this.sim.netFaults.heal();
    for (const id of this.options.targets) {
      const node = this.sim.node(id);
      node.diskFaults.ioErrorProbability = 0;
      // A service takes a target offline for good after a disk error (3FS does too); the operator's
      // answer is to repair the disk and restart the process, which the liveness phase does here.
      if (node.diskFaults.injectedErrors > 0 && node.up) {
        this.sim.crash(id);
        this.repairedDisks++;
      }
      node.diskFaults.injectedErrors = 0;
      node.ssd.slowFactor = 1;
      node.clockOffsetNs = 0;
      this.sim.resume(id);
      if (!node.up) this.sim.restart(id);
    }
    this.#down.clear();
  }

  #every(ratePerSec: number, inject: () => void): void {
    if (ratePerSec <= 0) return;
    const schedule = (): void => {
      const gapNs = Math.max(1, Math.round(this.random.exponential(1e9 / ratePerSec)));
      this.sim.kernel.scheduleModel(this.sim.kernel.nowNs + gapNs, () => {
        if (!this.#active) return;
        inject();
        schedule();
      });
    };
    schedule();
  }

  #pickUp(): NodeId | undefined {
    if (this.#down.size >= this.options.downMax) return undefined;
    const candidates = this.options.targets.filter((id) => !this.#down.has(id));
    return candidates.length > 0 ? this.random.pick(candidates) : undefined;
  }

  #crash(): void {
    const victim = this.#pickUp();
    if (!victim) return;
    this.#down.add(victim);
    this.sim.crash(victim);
    this.injected.crashes++;
    this.#later(this.rates.downtimeNsMax, () => {
      this.sim.restart(victim);
      this.#down.delete(victim);
    });
  }

  #pause(): void {
    const victim = this.#pickUp();
    if (!victim) return;
    this.#down.add(victim);
    this.sim.pause(victim);
    this.injected.pauses++;
    this.#later(this.rates.pauseNsMax, () => {
      this.sim.resume(victim);
      this.#down.delete(victim);
    });
  }

  #partition(): void {
    const nodes = this.sim.nodes;
    const a = this.sim.node(this.random.pick(this.options.targets));
    const others = nodes.filter((n) => n !== a);
    if (others.length === 0) return;
    const b = this.random.pick(others);
    const oneWay = this.random.chance(this.rates.oneWayFraction);
    this.sim.netFaults.partition(a.index, b.index, { oneWay });
    this.injected.partitions++;
    this.#later(this.rates.partitionNsMax, () => this.sim.netFaults.heal());
  }

  #slowDisk(): void {
    const node = this.sim.node(this.random.pick(this.options.targets));
    node.ssd.slowFactor = 1 + this.random.next() * (this.rates.slowDiskFactorMax - 1);
    this.injected.slowDisks++;
    this.#later(this.rates.downtimeNsMax, () => { node.ssd.slowFactor = 1; });
  }

  /** Undoes a fault after a random time up to `maxNs`, unless the liveness phase already undid it. */
  #later(maxNs: number, undo: () => void): void {
    const delayNs = 1 + this.random.int(Math.max(1, maxNs));
    this.sim.kernel.scheduleModel(this.sim.kernel.nowNs + delayNs, () => {
      if (this.#active) undo();
    });
  }
}
