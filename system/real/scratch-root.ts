import { tmpdir } from 'node:os';

/**
 * Where this process makes its scratch directories: the directory its parent named in FLYER_SCRATCH_DIR,
 * or the OS temporary directory. A workload coordinator names one per run for its client processes and
 * removes it when the run ends, so a client killed mid-step (a run that failed elsewhere, a timeout)
 * leaves nothing behind, not even a gensort file of a gigabyte.
 */
export function scratchRoot(): string {
  const named = process.env.FLYER_SCRATCH_DIR;
  return named !== undefined && named !== '' ? named : tmpdir();
}
