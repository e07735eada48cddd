/**
 * Pure helpers of the simulated chunk store: building versions, reporting metadata as the native
 * engine does, space accounting, and converting updates to and from their log form.
 */
import type { ChunkId, ChunkMeta, ChunkUpdate } from '../../system/env/chunk-store.ts';
import { payloadChecksum } from '../../system/services/storage/chunk-content.ts';
import { pendingVersionNumber, type ChunkEntry, type ChunkVersion } from './versioning.ts';
import type { WalOp } from './wal-records.ts';

export function versionOf(version: number, chainVersion: number, content: ChunkVersion['content']): ChunkVersion {
  return { version, chainVersion, content, crc32c: payloadChecksum(content) };
}

/** Metadata as the native engine reports it: length and checksum describe the committed version. */
export function metaOf(chunkId: ChunkId, entry: ChunkEntry): ChunkMeta {
  const committed = entry.committed;
  const commitVersion = committed?.version ?? 0;
  const pending = entry.pending;
  const pendingChainVersion = pending === undefined ? 0 : pending.kind === 'data' ? pending.version.chainVersion : pending.chainVersion;
  return {
    chunkId,
    lengthBytes: committed?.content.sizeBytes ?? 0,
    commitVersion,
    updateVersion: pending === undefined ? commitVersion : pendingVersionNumber(pending),
    chainVersion: committed?.chainVersion ?? pendingChainVersion,
    crc32c: committed?.crc32c ?? 0,
  };
}

/** Space a chunk holds: its larger version (a pending copy mostly shares the committed one's blocks). */
export function entryBytes(entry: ChunkEntry | undefined): number {
  if (!entry) return 0;
  const pendingBytes = entry.pending?.kind === 'data' ? entry.pending.version.content.sizeBytes : 0;
  return Math.max(entry.committed?.content.sizeBytes ?? 0, pendingBytes);
}

/** Bytes an update moves to the device (metadata-only updates move none). */
export function dataBytes(update: ChunkUpdate): number {
  return update.kind === 'write' || update.kind === 'replace' ? update.payload.sizeBytes : 0;
}

export function walOpOf(update: ChunkUpdate): WalOp {
  switch (update.kind) {
    case 'write':
      return { k: 'write', off: update.offsetBytes, p: update.payload };
    case 'replace':
      return { k: 'replace', p: update.payload };
    case 'truncate':
      return { k: 'truncate', len: update.lengthBytes };
    case 'remove':
      return { k: 'remove' };
  }
}

export function updateOf(op: WalOp): ChunkUpdate {
  switch (op.k) {
    case 'write':
      return { kind: 'write', offsetBytes: op.off, payload: op.p };
    case 'replace':
      return { kind: 'replace', payload: op.p };
    case 'truncate':
      return { kind: 'truncate', lengthBytes: op.len };
    case 'remove':
      return { kind: 'remove' };
  }
}
