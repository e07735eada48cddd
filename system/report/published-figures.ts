/**
 * The 3FS figures a Flyer chart is compared with. They are 3FS's own images, so they are not copied
 * into this repository: they are read from the shared reference folder beside the checkout (where the
 * developers' machines and CI have it), or from FLYER_REFERENCE_IMG_DIR.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReferenceFigure } from './types.ts';

const FIGURES = {
  'peak-throughput': {
    file: 'peak_throughput.png',
    caption: 'Read throughput of 180 storage nodes (2×200 Gb/s, 16 NVMe each) under 500+ clients: about 6.6 TiB/s for 10 minutes, with training traffic in the background.',
  },
  'graysort-server': {
    file: 'gray_sort_server.png',
    caption: 'GraySort on 25 storage nodes: average read and write throughput per storage service; red lines mark the phases (110.5 TiB sorted in 30 min 14 s).',
  },
  'graysort-client': {
    file: 'gray_sort_client.png',
    caption: 'GraySort on 50 compute nodes: peak and average read and write throughput per client.',
  },
  'kvcache-read-throughput': {
    file: 'kvcache_read_throughput.png',
    caption: 'KVCache clients (1×400 Gb/s each) over 30 minutes: peak read per client up to about 40 GiB/s, average 2–4 GiB/s.',
  },
  'kvcache-gc-iops': {
    file: 'kvcache_gc_iops.png',
    caption: 'Remove operations issued by KVCache garbage collection in the same 30 minutes: bursts up to about 1.4 M IOPS.',
  },
} as const;

export type PublishedFigureName = keyof typeof FIGURES;
export const PUBLISHED_FIGURE_NAMES = Object.keys(FIGURES) as PublishedFigureName[];

/** <checkout>/../shared/reference/img, unless FLYER_REFERENCE_IMG_DIR says otherwise. */
export function publishedFigureDir(): string {
  return process.env.FLYER_REFERENCE_IMG_DIR ?? join(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'shared', 'reference', 'img');
}

/**
 * The figure as a chart's `reference`, or undefined when its file is not on this machine: a workload
 * run must not fail for want of a comparison picture (a chart without one shows only Flyer's data).
 */
export function publishedFigure(name: PublishedFigureName, imageDir = publishedFigureDir()): ReferenceFigure | undefined {
  const figure = FIGURES[name];
  const path = join(imageDir, figure.file);
  return existsSync(path) ? { path, caption: figure.caption } : undefined;
}
