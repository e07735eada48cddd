import test from 'ava';
import fc from 'fast-check';
import { patternRecords, RECORD, sortedRecordsHex } from './record-fixtures.ts';
import { MAX_SORT_INPUTS } from '../../system/graysort/sort-library.ts';
import type { FileHandle } from '../../system/services/fs/flyer-fs.ts';
import { BufferPool } from '../../system/workloads/framework/buffer-pool.ts';
import { readSegmented, segmentBytesFor, wholeRecordViews } from '../../system/workloads/graysort/segmented-input.ts';

function segmentsOf(bytes: Buffer, segmentBytes: number): Buffer[] {
  return Array.from({ length: Math.ceil(bytes.length / segmentBytes) }, (_, k) => {
    const segment = Buffer.alloc(segmentBytes, 0xee);
    bytes.copy(segment, 0, k * segmentBytes, Math.min(bytes.length, (k + 1) * segmentBytes));
    return segment;
  });
}

test('whole-record views hold every record of the piece exactly once, whatever the segment size', (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 100, max: 4096 }), (records, segmentBytes) => {
    const bytes = patternRecords(records, segmentBytes);
    const views = wholeRecordViews(segmentsOf(bytes, segmentBytes), bytes.length, segmentBytes);
    const all = [...views.interiors, views.straddlers];
    t.deepEqual(sortedRecordsHex(all), sortedRecordsHex([bytes]));
    // Straddlers are only the records that cross a boundary: at most one per boundary.
    t.true(views.straddlers.length <= Math.max(0, Math.ceil(bytes.length / segmentBytes) - 1) * RECORD);
  }), { numRuns: 200 });
});

test('segments aligned to records need no straddling copies; the last short segment is kept', (t) => {
  const bytes = patternRecords(25, 3);
  const views = wholeRecordViews(segmentsOf(bytes, 1000), bytes.length, 1000);
  t.is(views.straddlers.length, 0);
  t.deepEqual(views.interiors.map((v) => v.length), [1000, 1000, 500]);
});

test('bad shapes are refused: a piece of partial records, too few segments, segments under a record', (t) => {
  t.throws(() => wholeRecordViews([Buffer.alloc(4096)], 150, 4096), { message: /not whole records/ });
  t.throws(() => wholeRecordViews([Buffer.alloc(1000)], 2000, 1000), { message: /segments cannot hold/ });
  t.throws(() => wholeRecordViews([Buffer.alloc(64)], 0, 64), { message: /smaller than a record/ });
});

test('segment size grows only when a partition would need more sort inputs than a sort can number', (t) => {
  const mib = 2 ** 20;
  t.is(segmentBytesFor(270 * mib, 16 * mib), 16 * mib);
  t.is(segmentBytesFor(0, 16 * mib), 16 * mib);
  const huge = 2 ** 40;
  const grown = segmentBytesFor(huge, 64 * 1024);
  t.is(grown % (64 * 1024), 0);
  t.true(2 * Math.ceil(huge / grown) <= MAX_SORT_INPUTS - 1, `${Math.ceil(huge / grown)} segments`);
});

/** An open file over `bytes` that can be told to come up short at one offset. */
function fakeHandle(bytes: Buffer, shortAt?: number): FileHandle {
  return {
    lengthBytes: bytes.length,
    async preadInto(offset: number, into: Uint8Array): Promise<number> {
      await new Promise((resolve) => setImmediate(resolve));
      const got = offset === shortAt ? into.length - 1 : into.length;
      into.set(bytes.subarray(offset, offset + got));
      return got;
    },
  } as unknown as FileHandle;
}

test('readSegmented reads every piece into pooled segments and reports each segment read', async (t) => {
  const pool = new BufferPool(1 << 20);
  const warm = pool.take(4096);
  pool.give(warm);
  const pieces = [patternRecords(90, 1), patternRecords(0, 2), patternRecords(41, 3)];
  const reads: number[] = [];
  const input = await readSegmented(pieces.map((bytes, i) => ({ handle: fakeHandle(bytes), what: `piece ${i}` })),
    { pool, segmentBytes: 4096, inFlight: 3, onRead: (bytes) => reads.push(bytes) });
  t.deepEqual(sortedRecordsHex(input.inputs), sortedRecordsHex(pieces));
  t.is(input.segments.length, 3 + 0 + 2);
  t.true(input.segments.includes(warm), 'a pooled buffer is reused');
  t.is(reads.reduce((a, b) => a + b, 0), (90 + 41) * RECORD);
});

test('readSegmented fails with the piece named when a read comes up short', async (t) => {
  const bytes = patternRecords(90, 1);
  await t.throwsAsync(readSegmented([{ handle: fakeHandle(bytes, 4096), what: '/graysort/shuffle/part-00001/from-00000.dat' }],
    { pool: new BufferPool(1 << 20), segmentBytes: 4096, inFlight: 2, onRead: () => undefined }),
  { message: /part-00001\/from-00000\.dat: read 4095 of 4096 bytes at 4096/ });
});
