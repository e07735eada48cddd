import test from 'ava';
import fc from 'fast-check';
import { checkRegisterHistory, type RegisterOp } from '../../sim/checkers/register-linearizability.ts';

// Goal: the per-chunk linearizability checker accepts every history a real register can produce and
// rejects the classic anomalies (stale read, lost write, reads flipping back, values never written).

const w = (value: number, invokeNs: number, completeNs?: number): RegisterOp => ({ kind: 'write', value, invokeNs, ...(completeNs !== undefined ? { completeNs } : {}) });
const r = (value: number, invokeNs: number, completeNs: number): RegisterOp => ({ kind: 'read', value, invokeNs, completeNs });

test('sequential write then read is linearizable', (t) => {
  t.true(checkRegisterHistory([w(1, 0, 10), r(1, 20, 30)], 0).ok);
});

test('a stale read after a completed write is not', (t) => {
  t.false(checkRegisterHistory([w(1, 0, 10), r(0, 20, 30)], 0).ok);
});

test('a read concurrent with a write may see either value', (t) => {
  t.true(checkRegisterHistory([w(1, 0, 100), r(0, 10, 20)], 0).ok);
  t.true(checkRegisterHistory([w(1, 0, 100), r(1, 10, 20)], 0).ok);
});

test('reads may not flip back to an older value', (t) => {
  t.false(checkRegisterHistory([w(1, 0, 100), r(1, 10, 20), r(0, 30, 40)], 0).ok);
});

test('a value never written cannot be read', (t) => {
  t.false(checkRegisterHistory([w(1, 0, 10), r(7, 20, 30)], 0).ok);
});

test('a write with unknown outcome may have happened or not', (t) => {
  t.true(checkRegisterHistory([w(1, 0), r(0, 20, 30)], 0).ok);
  t.true(checkRegisterHistory([w(1, 0), r(1, 20, 30)], 0).ok);
  // ...but once seen, it cannot be unseen.
  t.false(checkRegisterHistory([w(1, 0), r(1, 20, 30), r(0, 40, 50)], 0).ok);
});

test('a lost acknowledged write is caught by a later read', (t) => {
  t.false(checkRegisterHistory([w(1, 0, 10), w(2, 20, 30), r(1, 40, 50)], 0).ok);
});

test('property: histories of a real sequential register always pass', (t) => {
  fc.assert(fc.property(fc.array(fc.record({ write: fc.boolean(), gap: fc.integer({ min: 0, max: 5 }), len: fc.integer({ min: 1, max: 30 }) }), { maxLength: 25 }), (steps) => {
    // Operations overlap in time, but each takes effect at one instant inside its interval.
    let value = 0;
    let clock = 0;
    let nextValue = 1;
    const ops: RegisterOp[] = [];
    for (const step of steps) {
      const invokeNs = clock;
      const effectNs = invokeNs + step.gap;
      clock = effectNs + 1;
      if (step.write) {
        value = nextValue++;
        ops.push(w(value, invokeNs, effectNs + step.len));
      } else {
        ops.push(r(value, invokeNs, effectNs + step.len));
      }
    }
    return checkRegisterHistory(ops, 0).ok;
  }), { numRuns: 300 });
  t.pass();
});
