import type { DirEntry, Inode, StatFs } from '../../services/meta/types.ts';
import { formatBytes } from '../config/byte-size.ts';
import { textTable } from '../text-table.ts';

/** One `ls -l` row; also the JSON shape of `ls --json`. */
export interface ListRow {
  readonly name: string;
  readonly type: Inode['type'];
  readonly inodeId: number;
  readonly mode?: string;
  readonly nlink?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly sizeBytes?: number;
  readonly mtime?: string;
  readonly target?: string;
}

const TYPE_CHAR: Readonly<Record<Inode['type'], string>> = { file: '-', directory: 'd', symlink: 'l' };

/** `drwxr-xr-x` from the type and permission bits (setuid/setgid/sticky shown as ls does). */
export function modeString(inode: Inode): string {
  const bits = inode.perm;
  const triple = (shift: number, special: boolean, specialChar: string): string => {
    const r = bits & (4 << shift) ? 'r' : '-';
    const w = bits & (2 << shift) ? 'w' : '-';
    const x = bits & (1 << shift);
    const xc = special ? (x ? specialChar : specialChar.toUpperCase()) : x ? 'x' : '-';
    return r + w + xc;
  };
  return TYPE_CHAR[inode.type] + triple(6, (bits & 0o4000) !== 0, 's') + triple(3, (bits & 0o2000) !== 0, 's') + triple(0, (bits & 0o1000) !== 0, 't');
}

/** Size as ls shows it: a file's length, a symlink's target length, 0 for directories (no nlink sizes). */
export function sizeOf(inode: Inode): number {
  if (inode.type === 'file') return inode.lengthBytes;
  if (inode.type === 'symlink') return Buffer.byteLength(inode.target);
  return 0;
}

export function isoTime(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString();
}

export function listRow(entry: Pick<DirEntry, 'name'>, inode: Inode): ListRow {
  return {
    name: entry.name, type: inode.type, inodeId: inode.id, mode: modeString(inode), nlink: inode.nlink, uid: inode.uid, gid: inode.gid,
    sizeBytes: sizeOf(inode), mtime: isoTime(inode.mtimeNs), ...(inode.type === 'symlink' ? { target: inode.target } : {}),
  };
}

export function longListing(rows: readonly ListRow[], human: boolean): string {
  if (rows.length === 0) return '';
  const body = rows.map((r) => [
    r.mode ?? '?', r.nlink ?? 0, r.uid ?? 0, r.gid ?? 0, human ? formatBytes(r.sizeBytes ?? 0) : r.sizeBytes ?? 0, r.mtime ?? '',
    r.target !== undefined ? `${r.name} -> ${r.target}` : r.name,
  ]);
  // No header: ls -l has none, and scripts cut columns.
  return textTable(['', '', '', '', '', '', ''], body).split('\n').slice(1).join('\n');
}

export function statText(path: string, inode: Inode): string {
  const lines: Array<[string, string]> = [
    ['path', path], ['inode', `${inode.id} (0x${inode.id.toString(16)})`], ['type', inode.type], ['mode', `${modeString(inode)} (0${inode.perm.toString(8)})`],
    ['links', String(inode.nlink)], ['uid/gid', `${inode.uid}/${inode.gid}`],
  ];
  if (inode.type === 'file') {
    const l = inode.layout;
    lines.push(['size', `${inode.lengthBytes} bytes (${formatBytes(inode.lengthBytes)})`], ['chunks', String(Math.ceil(inode.lengthBytes / l.chunkSizeBytes))]);
    lines.push(['layout', `chain table ${l.tableId} v${l.tableVersion}, ${formatBytes(l.chunkSizeBytes)} chunks, stripe ${l.stripeSize}, base index ${l.baseIndex}, seed ${l.shuffleSeed}`]);
    lines.push(['truncate version', String(inode.truncateVersion)]);
  } else if (inode.type === 'directory') {
    const l = inode.layout;
    lines.push(['layout for new files', `chain table ${l.tableId}${l.tableVersion > 0 ? ` v${l.tableVersion}` : ' (newest)'}, ${formatBytes(l.chunkSizeBytes)} chunks, stripe ${l.stripeSize}`]);
    lines.push(['parent', String(inode.parentId)]);
  } else {
    lines.push(['target', inode.target]);
  }
  lines.push(['atime', isoTime(inode.atimeNs)], ['mtime', isoTime(inode.mtimeNs)], ['ctime', isoTime(inode.ctimeNs)]);
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n');
}

export function dfText(space: StatFs, human: boolean): string {
  const size = (bytes: number): string | number => (human ? formatBytes(bytes) : bytes);
  const usePercent = space.capacityBytes > 0 ? `${Math.ceil((100 * space.usedBytes) / space.capacityBytes)}%` : '-';
  return textTable(['FILESYSTEM', human ? 'SIZE' : 'SIZE_BYTES', human ? 'USED' : 'USED_BYTES', human ? 'AVAIL' : 'AVAIL_BYTES', 'USE%'], [
    ['flyer', size(space.capacityBytes), size(space.usedBytes), size(space.freeBytes), usePercent],
  ]);
}
