/**
 * gensort as a library call: writes records [start, start + records) of gensort's sequence to a file
 * and returns their checksum (the sum of the records' CRC-32s, what `gensort -c` prints), which a
 * GraySort run later compares with valsort's checksum of the sorted output.
 */
import { FlyerError } from '../env/errors.ts';
import { runTool, toolFailure } from './native-tools.ts';

export interface GensortOptions {
  readonly records: bigint | number;
  /** First record number (gensort -b); ranges concatenate: [0,n) + [n,m) = [0,m). */
  readonly start?: bigint | number;
  /** ASCII records (gensort -a): printable keys, CR LF line ends. */
  readonly ascii?: boolean;
  /** Skewed keys (gensort -s), byte-identical to gensort's (see the crate's skew.rs). */
  readonly skewed?: boolean;
  readonly threads?: number;
}

export interface GensortResult {
  readonly checksum: bigint;
  /** Lowercase hex without leading zeros, as gensort and valsort print it. */
  readonly checksumHex: string;
}

export function gensortArgs(path: string, o: GensortOptions): string[] {
  const records = BigInt(o.records);
  const start = BigInt(o.start ?? 0);
  if (records < 0n || start < 0n) throw new FlyerError('INVALID_ARGUMENT', `gensort records (${records}) and start (${start}) must be >= 0`);
  return [
    ...(o.ascii ? ['-a'] : []),
    ...(o.skewed ? ['-s'] : []),
    '-c',
    `-b${start}`,
    ...(o.threads ? [`-t${o.threads}`] : []),
    String(records),
    path,
  ];
}

export async function gensort(path: string, options: GensortOptions): Promise<GensortResult> {
  const run = await runTool('flyer-gensort', gensortArgs(path, options));
  if (run.code !== 0) throw toolFailure('flyer-gensort', run);
  const line = run.stderr.trim().split('\n').pop() ?? '';
  if (!/^[0-9a-f]+$/.test(line)) throw new FlyerError('SORT_TOOL_FAILED', `flyer-gensort printed no checksum: ${JSON.stringify(run.stderr)}`);
  return { checksum: BigInt(`0x${line}`), checksumHex: line };
}
