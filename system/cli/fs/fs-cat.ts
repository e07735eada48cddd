import type { FlyerFs } from '../../services/fs/flyer-fs.ts';
import { flyerSource } from './copy-endpoints.ts';
import { defaultInFlight, streamPieces } from './copy-pieces.ts';
import { flyerPath } from './fs-paths.ts';

/** `cat`: a Flyer file to stdout in order, a chunk per piece, several chunks read ahead. */
export async function catFile(fs: FlyerFs, text: string | undefined, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const source = await flyerSource(fs, flyerPath(text, 'cat path'));
  try {
    await streamPieces(source, (bytes) => writeOut(out, bytes), { pieceBytes: source.pieceBytes, inFlight: defaultInFlight(source.pieceBytes) });
    return source.lengthBytes;
  } finally {
    await source.close();
  }
}

/** Waits for 'drain' when the stream's buffer is full, so a slow reader bounds memory. */
function writeOut(out: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  if (out.write(bytes)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      out.off('drain', done);
      out.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    out.once('drain', done);
    out.once('error', done);
  });
}
