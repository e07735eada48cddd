import { assert } from '../../env/assert.ts';
import { mapLimited } from '../framework/limited.ts';
import type { ClientContext, WorkloadDefinition } from '../framework/workload.ts';
import { graySortReport } from './graysort-report.ts';
import { ownedPartitions, parseGraySortParams, paths, recordRange, RECORD_BYTES, type GraySortParams } from './graysort-params.ts';
import { generateReal, partitionReal, sortReal, validateReal } from './graysort-real.ts';
import { generateSim, partitionSim, sortSim, validateSim } from './graysort-sim.ts';
import type { GenerateOutput, SortOutput, ValidateInput } from './graysort-types.ts';

type Ctx = ClientContext<GraySortParams>;

/**
 * GraySort as smallpond runs it on 3FS (notes §1.6): gensort records on Flyer, (1) each client splits
 * its input by key prefix into P partitions on Flyer, (2) each partition is sorted by one client and
 * written as one output file, then valsort's summaries of all partitions, concatenated in partition
 * order, must show every record in order and the input's checksum. Real runs sort real records with
 * our native tools; simulated runs move synthetic bytes and charge compute to simulated cores.
 */
export const graySortWorkload: WorkloadDefinition<GraySortParams> = {
  name: 'graysort',
  title: 'GraySort',
  parseParams: parseGraySortParams,
  binNs: (params) => params.binMs * 1_000_000,
  report: (run) => graySortReport(run),
  phases: [
    {
      name: 'prepare',
      async run(ctx: Ctx) {
        if (ctx.clientIndex !== 0) return null;
        // A previous run's files would mix with this one's: start from an empty tree.
        await ctx.fs.remove(paths.root, { recursive: true }).catch((error: { code?: string }) => {
          if (error.code !== 'META_NOT_FOUND') throw error;
        });
        // The tree's own chunk size; everything else as the root's layout.
        const root = await ctx.fs.stat('/');
        assert(root.type === 'directory', 'the root is a directory');
        await ctx.fs.mkdir(paths.root, { layout: { ...root.layout, chunkSizeBytes: ctx.params.chunkBytes } });
        for (const dir of ['/graysort/input', '/graysort/output']) await ctx.fs.mkdir(dir, { recursive: true });
        const parts = Array.from({ length: ctx.params.partitions }, (_, part) => part);
        await mapLimited(parts, 16, (part) => ctx.fs.mkdir(paths.partitionDir(part), { recursive: true }));
        return null;
      },
    },
    {
      name: 'generate',
      units: (params, index, clients) => recordRange(params, index, clients).count * RECORD_BYTES,
      run: (ctx: Ctx) => (ctx.mode === 'sim' ? generateSim(ctx) : generateReal(ctx)),
    },
    {
      name: 'partition',
      units: (params, index, clients) => 2 * recordRange(params, index, clients).count * RECORD_BYTES,
      run: (ctx: Ctx) => (ctx.mode === 'sim' ? partitionSim(ctx) : partitionReal(ctx)),
    },
    {
      name: 'sort',
      units: (params, index, clients) => (2 * params.totalRecords * RECORD_BYTES * ownedPartitions(params, index, clients).length) / params.partitions,
      run: (ctx: Ctx) => (ctx.mode === 'sim' ? sortSim(ctx) : sortReal(ctx)),
    },
    {
      name: 'validate',
      run: (ctx: Ctx, input: unknown) => {
        if (ctx.clientIndex !== 0) return Promise.resolve(null);
        return ctx.mode === 'sim' ? validateSim(ctx, input as ValidateInput) : validateReal(ctx, input as ValidateInput);
      },
    },
  ],
  planNext(nextIndex, outputsByPhase, params, clients) {
    const inputs: unknown[] = new Array(clients).fill(null);
    if (nextIndex !== 4) return inputs;
    const generated = outputsByPhase[1] as GenerateOutput[];
    const sorted = (outputsByPhase[3] as SortOutput[]).flatMap((o) => o.partitions).sort((a, b) => a.partition - b.partition);
    const validate: ValidateInput = {
      summariesBase64: sorted.flatMap((p) => (p.summaryBase64 ? [p.summaryBase64] : [])),
      inputChecksumHex: generated.reduce((sum, g) => sum + BigInt(`0x${g.checksumHex}`), 0n).toString(16),
      inputRecords: generated.reduce((sum, g) => sum + g.records, 0),
      partitionRecords: sorted.map((p) => p.records),
    };
    inputs[0] = validate;
    void params;
    return inputs;
  },
};
