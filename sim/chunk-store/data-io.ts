/**
 * Charges chunk data transfers to the node's simulated SSD without moving bytes: the store keeps data
 * as payloads in memory (synthetic ones are only identities), but a 1 MiB write must still take the
 * time a 1 MiB write takes and may hit an injected disk error. Outside simulation (another Disk
 * implementation) the charge is free.
 */
import { FlyerError, isFlyerError } from '../../system/env/errors.ts';
import type { Disk } from '../../system/env/types.ts';
import { SimDisk } from '../sim-disk.ts';

export function chargeDataIo(disk: Disk, operation: 'read' | 'write', sizeBytes: number, what: string): Promise<void> {
  if (!(disk instanceof SimDisk)) return Promise.resolve();
  return disk.io(operation, sizeBytes, () => undefined).catch((error: unknown) => {
    // The engine reports device failures as its own I/O error, as the native engine does.
    if (isFlyerError(error, 'DISK_IO_ERROR')) throw new FlyerError('CHUNK_ENGINE_IO', `${what}: ${error.detail}`, { cause: error });
    throw error;
  });
}
