import type { RandomStream } from '../../system/env/random.ts';

/**
 * Fault rates for one run. In swarm mode each seed draws its own rates (TigerBeetle's options_swarm):
 * some seeds see many crashes and no partitions, others heavy loss and slow disks, so the weather
 * differs between seeds and rare combinations get explored.
 */
export interface FaultRates {
  readonly crashesPerSec: number;
  readonly downtimeNsMax: number;
  readonly pausesPerSec: number;
  readonly pauseNsMax: number;
  readonly partitionsPerSec: number;
  readonly partitionNsMax: number;
  /** Fraction of partitions that block one direction only. */
  readonly oneWayFraction: number;
  readonly dropProbability: number;
  readonly duplicateProbability: number;
  readonly delayProbability: number;
  readonly delayNsMax: number;
  readonly diskErrorProbability: number;
  readonly slowDisksPerSec: number;
  readonly slowDiskFactorMax: number;
  readonly clockOffsetNsMax: number;
}

export const CALM: FaultRates = {
  crashesPerSec: 0, downtimeNsMax: 0, pausesPerSec: 0, pauseNsMax: 0, partitionsPerSec: 0, partitionNsMax: 0,
  oneWayFraction: 0, dropProbability: 0, duplicateProbability: 0, delayProbability: 0, delayNsMax: 0,
  diskErrorProbability: 0, slowDisksPerSec: 0, slowDiskFactorMax: 1, clockOffsetNsMax: 0,
};

/** Moderate faults of every kind: the default when swarm mode is off. */
export const DEFAULT_FAULTS: FaultRates = {
  crashesPerSec: 0.5, downtimeNsMax: 1_000_000_000, pausesPerSec: 0.3, pauseNsMax: 300_000_000,
  partitionsPerSec: 0.3, partitionNsMax: 1_000_000_000, oneWayFraction: 0.3, dropProbability: 0.01,
  duplicateProbability: 0.01, delayProbability: 0.05, delayNsMax: 50_000_000, diskErrorProbability: 0.002,
  slowDisksPerSec: 0.2, slowDiskFactorMax: 20, clockOffsetNsMax: 500_000_000,
};

/** Draws a seed's rates: each kind of fault is off in about a third of seeds and up to 2x default otherwise. */
export function drawSwarmRates(random: RandomStream): FaultRates {
  const scale = (value: number): number => (random.chance(0.35) ? 0 : value * random.next() * 2);
  return {
    crashesPerSec: scale(DEFAULT_FAULTS.crashesPerSec),
    downtimeNsMax: Math.round(DEFAULT_FAULTS.downtimeNsMax * (0.1 + random.next() * 1.9)),
    pausesPerSec: scale(DEFAULT_FAULTS.pausesPerSec),
    pauseNsMax: DEFAULT_FAULTS.pauseNsMax,
    partitionsPerSec: scale(DEFAULT_FAULTS.partitionsPerSec),
    partitionNsMax: Math.round(DEFAULT_FAULTS.partitionNsMax * (0.1 + random.next() * 1.9)),
    oneWayFraction: random.next(),
    dropProbability: scale(DEFAULT_FAULTS.dropProbability),
    duplicateProbability: scale(DEFAULT_FAULTS.duplicateProbability),
    delayProbability: scale(DEFAULT_FAULTS.delayProbability),
    delayNsMax: DEFAULT_FAULTS.delayNsMax,
    diskErrorProbability: scale(DEFAULT_FAULTS.diskErrorProbability),
    slowDisksPerSec: scale(DEFAULT_FAULTS.slowDisksPerSec),
    slowDiskFactorMax: DEFAULT_FAULTS.slowDiskFactorMax,
    clockOffsetNsMax: scale(DEFAULT_FAULTS.clockOffsetNsMax),
  };
}
