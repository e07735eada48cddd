import test from 'ava';
import fc from 'fast-check';
import { patternRecords, RECORD, sortedRecordsHex } from './record-fixtures.ts';
import { Straddlers } from '../../system/workloads/graysort/straddlers.ts';

test('blocks cut anywhere give back every record once: whole ones as views, straddling ones at the end', (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (records, cuts) => {
    const bytes = patternRecords(records);
    const blocks: Buffer[] = [];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const length = Math.min(cuts[i % cuts.length]!, bytes.length - at);
      blocks.push(bytes.subarray(at, at + length));
      at += length;
    }
    const straddlers = new Straddlers(blocks.length);
    const views = blocks.map((block) => straddlers.wholeRecordsOf(block));
    for (const [i, view] of views.entries()) t.true(view.length === 0 || view.buffer === blocks[i]!.buffer, 'whole records are views, not copies');
    t.deepEqual(sortedRecordsHex([...views, straddlers.finish(bytes.length)]), sortedRecordsHex([bytes]));
  }), { numRuns: 300 });
});

test('finish refuses a run that was not all seen or that ends inside a record', (t) => {
  const partial = new Straddlers(2);
  partial.wholeRecordsOf(patternRecords(3).subarray(0, 250));
  t.throws(() => partial.finish(300), { message: /saw 250 of 300 bytes/ });
  const ragged = new Straddlers(1);
  ragged.wholeRecordsOf(Buffer.alloc(150));
  t.throws(() => ragged.finish(150), { message: /ends inside a record \(50 bytes over\)/ });
});
