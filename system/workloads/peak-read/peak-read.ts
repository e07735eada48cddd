import { materialize, RealPayload, syntheticPayload, type Payload } from '../../env/payload.ts';
import type { FileHandle } from '../../services/fs/flyer-fs.ts';
import { ParamReader } from '../framework/params.ts';
import type { ClientContext, WorkloadDefinition } from '../framework/workload.ts';
import { peakReadReport } from './peak-read-report.ts';

export interface PeakReadParams {
  readonly filesPerClient: number;
  readonly fileSizeBytes: number;
  /** Bytes per read request (3FS's peak test reads large blocks). */
  readonly requestBytes: number;
  /** Reads each client keeps outstanding. */
  readonly queueDepth: number;
  readonly durationSec: number;
  readonly requestToSend: boolean;
  readonly binMs: number;
}

const MiB = 1024 * 1024;

/**
 * Peak read (3FS README figure 1): every client first writes its share of large files, then all clients
 * read random large blocks of all files at a fixed queue depth for a while. The series are read bytes
 * per client over time; their sum is the cluster's read throughput.
 */
export const peakReadWorkload: WorkloadDefinition<PeakReadParams> = {
  name: 'peak-read',
  title: 'Peak read throughput',
  parseParams(raw, mode, spec) {
    const chunk = spec?.chunkSizeBytes ?? 4 * MiB;
    const params = new ParamReader('peak-read', raw);
    const parsed: PeakReadParams = {
      filesPerClient: params.integer('files_per_client', 1, { min: 1, max: 1024 }),
      fileSizeBytes: params.integer('file_size_bytes', mode === 'sim' ? 16 * chunk : 64 * MiB, { min: 1, max: 2 ** 44 }),
      requestBytes: params.integer('request_bytes', chunk, { min: 4096, max: 1 << 30 }),
      queueDepth: params.integer('queue_depth', 16, { min: 1, max: 1024 }),
      durationSec: params.number('duration_sec', mode === 'sim' ? 2 : 10, { min: 0.01, max: 86_400 }),
      requestToSend: params.boolean('request_to_send', false),
      binMs: params.integer('bin_ms', mode === 'sim' ? 100 : 500, { min: 1, max: 60_000 }),
    };
    params.done();
    return parsed;
  },
  binNs: (params) => params.binMs * 1_000_000,
  report: (run) => peakReadReport(run),
  phases: [
    {
      name: 'write files',
      units: (params) => params.filesPerClient * params.fileSizeBytes,
      async run(ctx) {
        await ctx.fs.mkdir('/peak-read', { recursive: true });
        let written = 0;
        for (let file = 0; file < ctx.params.filesPerClient; file++) {
          const handle = await ctx.fs.open(fileName(ctx.clientIndex, file), { write: true, create: true, truncate: true });
          const pieceBytes = Math.min(ctx.params.fileSizeBytes, 64 * MiB);
          for (let at = 0; at < ctx.params.fileSizeBytes; at += pieceBytes) {
            const size = Math.min(pieceBytes, ctx.params.fileSizeBytes - at);
            await handle.pwrite(at, content(ctx, file, at, size));
            ctx.recorder.add('write', size);
            ctx.progress((written += size));
          }
          await handle.close();
        }
        return { writtenBytes: written };
      },
    },
    {
      name: 'read',
      units: (params) => Math.round(params.durationSec * 1000),
      async run(ctx) {
        const { params, env } = ctx;
        const handles: FileHandle[] = [];
        for (let client = 0; client < ctx.clientCount; client++) {
          for (let file = 0; file < params.filesPerClient; file++) handles.push(await ctx.fs.open(fileName(client, file), { read: true }));
        }
        const random = env.random('peak-read');
        const blocksPerFile = Math.max(1, Math.floor(params.fileSizeBytes / params.requestBytes));
        const startNs = env.clock.now();
        const endNs = startNs + params.durationSec * 1e9;
        let readBytes = 0;
        let reads = 0;
        const worker = async (): Promise<void> => {
          while (env.clock.now() < endNs) {
            const handle = handles[random.int(handles.length)]!;
            const block = random.int(blocksPerFile);
            const data = await handle.pread(block * params.requestBytes, params.requestBytes);
            ctx.recorder.add('read', data.sizeBytes);
            readBytes += data.sizeBytes;
            reads++;
            ctx.progress(Math.round((env.clock.now() - startNs) / 1e6));
          }
        };
        await Promise.all(Array.from({ length: params.queueDepth }, worker));
        for (const handle of handles) await handle.close();
        return { readBytes, reads, seconds: (env.clock.now() - startNs) / 1e9 };
      },
    },
  ],
};

function fileName(client: number, file: number): string {
  return `/peak-read/client-${client}-file-${file}`;
}

/** Synthetic content in simulation (only sizes move); real bytes for real runs, made from the same seed. */
function content(ctx: ClientContext<PeakReadParams>, file: number, offsetBytes: number, sizeBytes: number): Payload {
  const payload = syntheticPayload({ contentSeed: 1 + ctx.clientIndex * 1024 + file, offsetBytes, sizeBytes });
  return ctx.mode === 'sim' ? payload : new RealPayload(materialize(payload));
}
