import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { FlyerFs } from '../../services/fs/flyer-fs.ts';
import { localSink, localSource, flyerSink, flyerSource } from './copy-endpoints.ts';
import { copyPieces, defaultInFlight, type CopySink, type CopySource } from './copy-pieces.ts';
import { baseName, copyEndpoint, joinFlyer, type CopyEndpoint } from './fs-paths.ts';

const PIECE_BYTES_FALLBACK = 1 << 20;

export interface CopyResult {
  readonly from: string;
  readonly to: string;
  readonly bytes: number;
  readonly ms: number;
}

/**
 * `flyer fs cp SRC DST`: local -> Flyer, Flyer -> local or Flyer -> Flyer (`flyer:` marks Flyer paths).
 * A directory destination receives the source's name, as cp(1) does. The source is opened first, so a
 * missing or directory source fails before the destination is created or truncated.
 */
export async function copyFile(fs: FlyerFs, srcText: string | undefined, dstText: string | undefined, options: { readonly inFlight?: number } = {}): Promise<CopyResult> {
  const src = copyEndpoint(srcText, 'cp source');
  let dst = copyEndpoint(dstText, 'cp destination');
  if (src.kind === 'local' && dst.kind === 'local') {
    throw new FlyerError('INVALID_ARGUMENT', `cp: neither '${src.path}' nor '${dst.path}' is a Flyer path; prefix the Flyer side with flyer: (e.g. flyer:/data/file)`);
  }
  dst = await intoDirectory(fs, src, dst);
  if (src.kind === 'flyer' && dst.kind === 'flyer' && src.path === dst.path) throw new FlyerError('INVALID_ARGUMENT', `cp: '${src.path}' is both source and destination`);
  const startedMs = performance.now();
  const source = src.kind === 'flyer' ? await flyerSource(fs, src.path) : await localSource(src.path);
  try {
    const sink = dst.kind === 'flyer' ? await flyerSink(fs, dst.path) : await localSink(dst.path);
    await finish(source, sink, options.inFlight);
  } finally {
    await source.close().catch(() => undefined);
  }
  return { from: label(src), to: label(dst), bytes: source.lengthBytes, ms: performance.now() - startedMs };
}

async function finish(source: CopySource, sink: CopySink, inFlight: number | undefined): Promise<void> {
  const pieceBytes = sink.pieceBytes || source.pieceBytes || PIECE_BYTES_FALLBACK;
  try {
    await copyPieces(source, sink, { pieceBytes, inFlight: inFlight ?? defaultInFlight(pieceBytes) });
  } catch (error) {
    // Close (ending a Flyer write session) but report the copy's failure, not the close's.
    await sink.close().catch(() => undefined);
    throw error;
  }
  await sink.close();
}

async function intoDirectory(fs: FlyerFs, src: CopyEndpoint, dst: CopyEndpoint): Promise<CopyEndpoint> {
  const name = src.kind === 'flyer' ? baseName(src.path) : basename(src.path);
  if (dst.kind === 'flyer') {
    const inode = await fs.stat(dst.path).catch((error: unknown) => {
      if (isFlyerError(error, 'META_NOT_FOUND')) return undefined;
      throw error;
    });
    return inode?.type === 'directory' ? { kind: 'flyer', path: joinFlyer(dst.path, name) } : dst;
  }
  const info = await stat(dst.path).catch(() => undefined);
  return info?.isDirectory() ? { kind: 'local', path: join(dst.path, name) } : dst;
}

function label(endpoint: CopyEndpoint): string {
  return endpoint.kind === 'flyer' ? `flyer:${endpoint.path}` : endpoint.path;
}
