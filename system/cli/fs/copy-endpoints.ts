import { open, stat, type FileHandle as LocalHandle } from 'node:fs/promises';
import { FlyerError } from '../../env/errors.ts';
import { materialize, realPayload } from '../../env/payload.ts';
import type { FlyerFs } from '../../services/fs/flyer-fs.ts';
import type { CopySink, CopySource } from './copy-pieces.ts';
import { naming } from './fs-paths.ts';

/** A Flyer file to read: its length as meta has it at open, its chunk size as the piece size. */
export async function flyerSource(fs: FlyerFs, path: string): Promise<CopySource> {
  const handle = await naming(path, () => fs.open(path, { read: true }));
  return {
    lengthBytes: handle.lengthBytes,
    pieceBytes: handle.inode.layout.chunkSizeBytes,
    read: async (offsetBytes, lengthBytes) => materialize(await handle.pread(offsetBytes, lengthBytes)),
    close: () => handle.close(),
  };
}

/**
 * A Flyer file to write, created or truncated (cp overwrites). Its length is settled on close: meta
 * takes the furthest write and asks storage for the exact end.
 */
export async function flyerSink(fs: FlyerFs, path: string): Promise<CopySink> {
  const handle = await naming(path, () => fs.open(path, { write: true, create: true, truncate: true }));
  return {
    pieceBytes: handle.inode.layout.chunkSizeBytes,
    write: async (offsetBytes, bytes) => {
      await handle.pwrite(offsetBytes, realPayload(bytes));
    },
    close: () => handle.close(),
  };
}

export async function localSource(path: string): Promise<CopySource> {
  const info = await localCall(path, () => stat(path));
  if (info.isDirectory()) throw new FlyerError('INVALID_ARGUMENT', `local ${path} is a directory (cp copies one file)`);
  const handle = await localCall(path, () => open(path, 'r'));
  return {
    lengthBytes: info.size,
    pieceBytes: 0,
    readsInto: true,
    read: (offsetBytes, lengthBytes, into) => localCall(path, () => readFully(handle, offsetBytes, lengthBytes, into)),
    close: () => handle.close(),
  };
}

export async function localSink(path: string): Promise<CopySink> {
  const handle = await localCall(path, () => open(path, 'w'));
  return {
    pieceBytes: 0,
    write: (offsetBytes, bytes) => localCall(path, async () => {
      for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done, offsetBytes + done)).bytesWritten;
    }),
    close: () => localCall(path, () => handle.close()),
  };
}

async function readFully(handle: LocalHandle, offsetBytes: number, lengthBytes: number, into?: Uint8Array): Promise<Uint8Array> {
  const buffer = into !== undefined && into.length >= lengthBytes ? into.subarray(0, lengthBytes) : Buffer.allocUnsafe(lengthBytes);
  let done = 0;
  while (done < lengthBytes) {
    const { bytesRead } = await handle.read(buffer, done, lengthBytes - done, offsetBytes + done);
    if (bytesRead === 0) throw new FlyerError('INVALID_ARGUMENT', `local file shrank while being copied (${offsetBytes + done} < ${offsetBytes + lengthBytes} bytes)`);
    done += bytesRead;
  }
  return buffer;
}

/** Local file errors as coded ones: a wrong path is bad input (exit 2), anything else an I/O error. */
async function localCall<T>(path: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof FlyerError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const input = code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'EACCES' || code === 'EPERM';
    throw new FlyerError(input ? 'INVALID_ARGUMENT' : 'DISK_IO_ERROR', `local ${path}: ${(error as Error).message}`, { cause: error });
  }
}
