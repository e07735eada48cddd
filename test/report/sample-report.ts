/**
 * A report shaped like the real workloads' (an aggregate line with phase markers, a filled read/write
 * pair, per-node stacked throughput, grouped bars), from deterministic synthetic series.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, lineChart, stackedAreaChart, type Point, type Report } from '../../system/report/index.ts';
import { svgToPng } from '../../system/report/render-png.ts';

export const SAMPLE_DURATION_SEC = 300;
export const SAMPLE_NODES = 6;

function points(value: (tSec: number) => number): Point[] {
  return Array.from({ length: SAMPLE_DURATION_SEC }, (_, tSec) => ({ tSec, value: value(tSec) }));
}

/** A small PNG standing in for a 3FS figure, so the test does not depend on the shared folder. */
export function writeStandInFigure(dir: string): string {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><rect width="300" height="100" fill="#1f77b4"/></svg>';
  const path = join(dir, 'stand_in_figure.png');
  writeFileSync(path, svgToPng('stand-in', svg));
  return path;
}

export function sampleReport(referencePath: string): Report {
  const ramp = (tSec: number): number => Math.min(1, tSec / 20);
  return {
    title: 'Peak read <sample> & "quotes"',
    run: {
      workload: 'peak-read',
      mode: 'sim',
      spec: '6 storage nodes x 4 targets, 12 clients, 2x200 Gbps',
      seed: 42,
      startTime: '2026-01-01T00:00:00.000Z',
      parameters: { chunkSizeBytes: 4_194_304, clients: 12, replication: 3, direct: true },
      summary: { meanReadGiBPerSec: 61.23456789, peakReadGiBPerSec: 66.1, durationSec: SAMPLE_DURATION_SEC },
    },
    notes: ['Synthetic data for the report test. </script><script>window.injected = 1</script>'],
    charts: [
      lineChart({
        title: 'Read throughput',
        yTitle: 'Throughput',
        yUnit: 'GiB/s',
        series: [{ name: 'Throughput', points: points((t) => ramp(t) * (60 + 3 * Math.sin(t / 7))) }],
        markers: [{ tSec: 20, label: 'steady' }, { tSec: 250, label: 'drain' }],
        reference: { path: referencePath, caption: 'stand-in for the 3FS peak throughput figure' },
      }),
      lineChart({
        title: 'Server throughput',
        yTitle: 'Throughput',
        yUnit: 'GiB/s',
        fill: true,
        series: [
          { name: 'Average Read', points: points((t) => 10 + 5 * Math.sin(t / 30)) },
          { name: 'Average Write', points: points((t) => 8 + 5 * Math.cos(t / 40)) },
        ],
      }),
      stackedAreaChart({
        title: 'Read throughput per storage node',
        yTitle: 'Throughput',
        yUnit: 'GiB/s',
        series: Array.from({ length: SAMPLE_NODES }, (_, node) => ({
          name: `storage-${node + 1}`,
          points: points((t) => ramp(t) * (10 + 2 * Math.sin(t / 11 + node))),
        })),
        reference: { path: referencePath, caption: 'the same stand-in, copied once' },
      }),
      barChart({
        title: 'Bytes moved per node',
        yUnit: 'GiB',
        bars: Array.from({ length: SAMPLE_NODES }, (_, node) => [
          { name: `storage-${node + 1}`, group: 'read', value: 100 + node },
          { name: `storage-${node + 1}`, group: 'write', value: 30 + 2 * node },
        ]).flat(),
      }),
    ],
  };
}
