import { FlyerError } from '../../env/errors.ts';

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1 << 20, mib: 1 << 20, g: 1 << 30, gib: 1 << 30 };

/**
 * A size flag in bytes: `65536`, `64KiB`, `64k`, `1MiB`, `1m`, `1GiB` (binary units only, as chunk sizes
 * are powers of two). Anything else is INVALID_ARGUMENT naming the flag.
 */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  const value = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new FlyerError('INVALID_ARGUMENT', `${flag} must be a size in bytes (e.g. 65536, 64KiB, 1MiB), got '${text}'`);
  }
  return value;
}

/** `1.5 MiB`, `64 KiB`, `0 B`: for people (ls -l --human, df). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
