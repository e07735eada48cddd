import { FlyerError } from '../env/errors.ts';
import type { WorkloadDefinition } from './framework/workload.ts';
import { graySortWorkload } from './graysort/graysort.ts';
import { kvCacheWorkload } from './kvcache/kvcache.ts';
import { peakReadWorkload } from './peak-read/peak-read.ts';

/** Every workload `flyer workload run` and the zx scripts know, by name. */
const WORKLOADS: ReadonlyArray<WorkloadDefinition<never>> = [
  graySortWorkload as WorkloadDefinition<never>,
  kvCacheWorkload as WorkloadDefinition<never>,
  peakReadWorkload as WorkloadDefinition<never>,
];

export function workloadNamed(name: string): WorkloadDefinition<unknown> {
  const found = WORKLOADS.find((w) => w.name === name);
  if (!found) throw new FlyerError('INVALID_ARGUMENT', `unknown workload '${name}' (known: ${WORKLOADS.map((w) => w.name).join(', ')})`);
  return found as unknown as WorkloadDefinition<unknown>;
}

export function workloadNames(): string[] {
  return WORKLOADS.map((w) => w.name);
}
