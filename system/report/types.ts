/**
 * The shapes a workload hands to {@link writeReport}: what ran (metadata and summary numbers) and what
 * was measured (time series, or bars), each chart carrying the Vega-Lite spec built from its data.
 */
import type { TopLevelSpec } from 'vega-lite';

/** One sample of a measured time series: seconds since the run started, and the value in the chart's unit. */
export interface Point {
  readonly tSec: number;
  readonly value: number;
}

/** A named time series, e.g. one node's read throughput. */
export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
}

/** One bar; bars sharing a `group` sit side by side under the same `name` (e.g. read and write per node). */
export interface Bar {
  readonly name: string;
  readonly value: number;
  readonly group?: string;
}

/** A vertical rule on a time chart, e.g. the start of GraySort's sort phase. */
export interface Marker {
  readonly tSec: number;
  readonly label: string;
}

/** A published figure shown beside a chart, so a reader compares Flyer's run with 3FS's. */
export interface ReferenceFigure {
  /** Path of the image file (PNG, JPEG, SVG, GIF or WebP); it is copied into the report folder. */
  readonly path: string;
  readonly caption: string;
}

export type ChartKind = 'line' | 'stacked-area' | 'bar';

/** The measured data behind a chart, as written to series.json. */
export type ChartData = { readonly series: readonly Series[] } | { readonly bars: readonly Bar[] };

/** One chart of a report: built by lineChart / stackedAreaChart / barChart. */
export interface Chart {
  /** File-name stem: `<id>.svg`, `<id>.png`; lower-case letters, digits and dashes. */
  readonly id: string;
  readonly title: string;
  readonly kind: ChartKind;
  /** Unit of the values, e.g. 'GiB/s'; series.json carries it so the numbers stand on their own. */
  readonly yUnit: string;
  readonly spec: TopLevelSpec;
  readonly data: ChartData;
  readonly reference?: ReferenceFigure;
}

export type RunMode = 'sim' | 'local' | 'hosts';

/** What ran. Names carry their units (`durationSec`, `readGiBPerSec`), as everywhere in Flyer. */
export interface RunInfo {
  /** e.g. 'peak-read', 'graysort', 'kvcache'. */
  readonly workload: string;
  readonly mode: RunMode;
  /** The cluster spec, e.g. '16 storage x 4 targets, 32 clients, 200 Gbps'. */
  readonly spec: string;
  /** The simulation seed; null for runs on real processes. */
  readonly seed: number | null;
  /** ISO 8601. A simulated run gives its virtual start, so the report of a seed is reproducible. */
  readonly startTime: string;
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  readonly summary: Readonly<Record<string, string | number>>;
}

export interface Report {
  readonly title: string;
  readonly run: RunInfo;
  readonly charts: readonly Chart[];
  /** Free-text paragraphs shown under the metadata (what to look at, known deviations). */
  readonly notes?: readonly string[];
}

/** What writeReport produced: the folder and the file names in it. */
export interface WrittenReport {
  readonly dir: string;
  readonly files: readonly string[];
}
