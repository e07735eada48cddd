import type { Disk, DiskFile } from './types.ts';

/**
 * Recovery of a log kept in numbered generations (`<prefix><g>`, g >= 1), as the storage update ledger
 * and the simulated chunk store's WAL keep theirs: a checkpoint writes generation g+1 in full, with a
 * `ready` record after its snapshot, and syncs it before removing generation g. So the newest
 * generation whose `ready` survived is the log; newer ones without it are checkpoints a crash
 * interrupted and older ones are leftovers, and both are removed. A torn tail is cut off.
 */
export interface ParsedGeneration<T> {
  readonly value: T;
  /** Bytes of whole, valid frames from the start. */
  readonly validBytes: number;
  /** Where the snapshot (up to and including `ready`) ends. */
  readonly snapshotBytes: number;
}

export interface RecoveredGeneration<T> {
  readonly generation: number;
  readonly file: DiskFile;
  readonly value: T;
  readonly snapshotBytes: number;
}

/**
 * The recovered generation, or, when there is none, a new generation 1 holding `initial` (synced) and
 * the value `empty`; undefined only when there is none and `initial` is undefined (do not create).
 * `parse` answers undefined for a generation without its `ready` record.
 */
export async function recoverGenerations<T>(
  disk: Disk, prefix: string, parse: (bytes: Uint8Array) => ParsedGeneration<T> | undefined,
  create: { readonly initial: Uint8Array; readonly empty: T } | undefined,
): Promise<RecoveredGeneration<T> | undefined> {
  const generations = (await disk.list(prefix))
    .map((name) => Number(name.slice(prefix.length)))
    .filter((g) => Number.isSafeInteger(g) && g > 0)
    .sort((a, b) => b - a);
  let chosen: RecoveredGeneration<T> | undefined;
  for (const generation of generations) {
    const name = `${prefix}${generation}`;
    if (chosen) {
      await disk.remove(name); // an older generation a finished checkpoint left behind
      continue;
    }
    const file = await disk.open(name);
    const parsed = parse(await file.read(0, file.sizeBytes()));
    if (!parsed) {
      await file.close();
      await disk.remove(name); // a checkpoint the crash interrupted
      continue;
    }
    if (parsed.validBytes < file.sizeBytes()) await file.truncate(parsed.validBytes); // a torn tail
    chosen = { generation, file, value: parsed.value, snapshotBytes: parsed.snapshotBytes };
  }
  if (chosen || !create) return chosen;
  const file = await disk.open(`${prefix}1`, { create: true });
  await file.truncate(0);
  await file.write(0, create.initial);
  await file.sync();
  return { generation: 1, file, value: create.empty, snapshotBytes: create.initial.length };
}
