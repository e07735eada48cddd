import test from 'ava';
import fc from 'fast-check';
import { Straddlers } from '../../system/workloads/graysort/straddlers.ts';

const RECORD = 100;

/** `records` records, each filled with a pattern unique to it. */
function run(records: number): Buffer {
  const bytes = Buffer.alloc(records * RECORD);
  for (let r = 0; r < records; r++) for (let i = 0; i < RECORD; i++) bytes[r * RECORD + i] = (r * 13 + i * (r % 7 + 1)) & 0xff;
  return bytes;
}

function sortedRecords(views: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  for (const view of views) {
    if (view.length % RECORD !== 0) throw new Error(`a view of ${view.length} bytes is not whole records`);
    for (let at = 0; at < view.length; at += RECORD) out.push(Buffer.from(view.subarray(at, at + RECORD)).toString('hex'));
  }
  return out.sort();
}

test('blocks cut anywhere give back every record once: whole ones as views, straddling ones at the end', (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (records, cuts) => {
    const bytes = run(records);
    const blocks: Buffer[] = [];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const length = Math.min(cuts[i % cuts.length]!, bytes.length - at);
      blocks.push(bytes.subarray(at, at + length));
      at += length;
    }
    const straddlers = new Straddlers(blocks.length);
    const views = blocks.map((block) => straddlers.wholeRecordsOf(block));
    for (const [i, view] of views.entries()) t.true(view.length === 0 || view.buffer === blocks[i]!.buffer, 'whole records are views, not copies');
    t.deepEqual(sortedRecords([...views, straddlers.finish(bytes.length)]), sortedRecords([bytes]));
  }), { numRuns: 300 });
});

test('finish refuses a run that was not all seen or that ends inside a record', (t) => {
  const partial = new Straddlers(2);
  partial.wholeRecordsOf(run(3).subarray(0, 250));
  t.throws(() => partial.finish(300), { message: /saw 250 of 300 bytes/ });
  const ragged = new Straddlers(1);
  ragged.wholeRecordsOf(Buffer.alloc(150));
  t.throws(() => ragged.finish(150), { message: /ends inside a record \(50 bytes over\)/ });
});
