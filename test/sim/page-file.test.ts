import test from 'ava';
import fc from 'fast-check';
import { PageFile } from '../../sim/disk/page-file.ts';
import { FlyerError } from '../../system/env/errors.ts';

/** The model: a file is a byte array; `synced` is what survives a crash. */
class FileModel {
  current = new Uint8Array(0);
  synced = new Uint8Array(0);

  write(offset: number, data: Uint8Array): void {
    if (data.length === 0) return; // POSIX pwrite: writing nothing changes nothing, not even the size.
    const end = offset + data.length;
    if (end > this.current.length) {
      const grown = new Uint8Array(end);
      grown.set(this.current);
      this.current = grown;
    }
    this.current.set(data, offset);
  }

  truncate(size: number): void {
    const next = new Uint8Array(size);
    next.set(this.current.subarray(0, Math.min(size, this.current.length)));
    this.current = next;
  }

  sync(): void {
    this.synced = this.current.slice();
  }

  crash(): void {
    this.current = this.synced.slice();
  }

  read(offset: number, length: number): Uint8Array {
    return this.current.slice(Math.min(offset, this.current.length), Math.min(offset + length, this.current.length));
  }
}

const PAGE = 4096;
const MAX_FILE = 5 * PAGE;

type Op =
  | { kind: 'write'; offset: number; data: Uint8Array }
  | { kind: 'truncate'; size: number }
  | { kind: 'sync' }
  | { kind: 'crash' }
  | { kind: 'read'; offset: number; length: number };

/** Offsets near page boundaries are where page-copy bugs live, so bias towards them. */
const offsetArb = fc.oneof(
  fc.integer({ min: 0, max: MAX_FILE }),
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -3, max: 3 })).map(([page, delta]) => Math.max(0, page * PAGE + delta)),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ offset: offsetArb, length: fc.oneof(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 2 * PAGE + 5 })), fill: fc.integer({ min: 1, max: 255 }) })
    .map(({ offset, length, fill }): Op => ({ kind: 'write', offset, data: new Uint8Array(length).map((_, i) => (fill + i) % 256 || 1) })), weight: 4 },
  { arbitrary: offsetArb.map((size): Op => ({ kind: 'truncate', size })), weight: 2 },
  { arbitrary: fc.constant<Op>({ kind: 'sync' }), weight: 2 },
  { arbitrary: fc.constant<Op>({ kind: 'crash' }), weight: 1 },
  { arbitrary: fc.record({ offset: offsetArb, length: fc.integer({ min: 0, max: 3 * PAGE }) }).map((r): Op => ({ kind: 'read', ...r })), weight: 2 },
);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

test('property: random write/truncate/sync/crash sequences match a two-state model', (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
      const file = new PageFile();
      const model = new FileModel();
      for (const op of ops) {
        switch (op.kind) {
          case 'write': file.write(op.offset, op.data); model.write(op.offset, op.data); break;
          case 'truncate': file.truncate(op.size); model.truncate(op.size); break;
          case 'sync': file.sync(); model.sync(); break;
          case 'crash': file.crash(); model.crash(); break;
          case 'read': {
            const got = file.read(op.offset, op.length);
            if (!sameBytes(got, model.read(op.offset, op.length))) return false;
            break;
          }
        }
        if (file.sizeBytes !== model.current.length) return false;
        if (file.hasUnsyncedChanges === false && !sameBytes(model.current, model.synced)) return false;
      }
      if (!sameBytes(file.read(0, MAX_FILE * 3), model.current)) return false;
      // Finally crash: the content is exactly the model's synced state.
      file.crash();
      return sameBytes(file.read(0, MAX_FILE * 3), model.synced) && file.sizeBytes === model.synced.length;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('a crash restores the last synced state, not later writes', (t) => {
  const file = new PageFile();
  file.write(0, new Uint8Array(PAGE + 10).fill(1));
  file.sync();
  t.false(file.hasUnsyncedChanges);
  file.write(5, new Uint8Array([9, 9, 9]));
  file.write(3 * PAGE, new Uint8Array([7]));
  t.true(file.hasUnsyncedChanges);
  t.is(file.sizeBytes, 3 * PAGE + 1);
  file.crash();
  t.is(file.sizeBytes, PAGE + 10);
  t.deepEqual(file.read(0, PAGE + 10), new Uint8Array(PAGE + 10).fill(1));
  t.false(file.hasUnsyncedChanges);
});

test('writes after a sync do not leak into the synced pages (copy on first write)', (t) => {
  const file = new PageFile();
  file.write(0, new Uint8Array([1, 2, 3]));
  file.sync();
  file.write(1, new Uint8Array([8]));
  file.sync();
  file.write(2, new Uint8Array([9]));
  file.crash();
  t.deepEqual(file.read(0, 3), new Uint8Array([1, 8, 3]));
  // Writing again after the crash must not modify the synced copy either.
  file.write(0, new Uint8Array([5]));
  file.crash();
  t.deepEqual(file.read(0, 3), new Uint8Array([1, 8, 3]));
});

test('reads beyond the size are short and never-written ranges read as zeros', (t) => {
  const file = new PageFile();
  t.is(file.read(0, 100).length, 0);
  file.write(2 * PAGE + 1, new Uint8Array([42]));
  t.is(file.sizeBytes, 2 * PAGE + 2);
  t.is(file.read(2 * PAGE, 1000).length, 2);
  t.deepEqual(file.read(2 * PAGE, 1000), new Uint8Array([0, 42]));
  t.is(file.read(2 * PAGE + 2, 10).length, 0);
  t.is(file.read(10 * PAGE, 10).length, 0);
  const hole = file.read(0, 2 * PAGE);
  t.is(hole.length, 2 * PAGE);
  t.true(hole.every((b) => b === 0));
});

test('truncate down then up reads zeros in the re-extended range', (t) => {
  const file = new PageFile();
  file.write(0, new Uint8Array(3 * PAGE).fill(5));
  file.truncate(PAGE + 7);
  file.truncate(3 * PAGE);
  const all = file.read(0, 3 * PAGE);
  t.true(all.subarray(0, PAGE + 7).every((b) => b === 5));
  t.true(all.subarray(PAGE + 7).every((b) => b === 0));
  t.true(file.hasUnsyncedChanges);
});

test('truncate of synced data is undone by a crash', (t) => {
  const file = new PageFile();
  file.write(0, new Uint8Array(2 * PAGE).fill(3));
  file.sync();
  file.truncate(10);
  t.is(file.sizeBytes, 10);
  file.crash();
  t.is(file.sizeBytes, 2 * PAGE);
  t.true(file.read(0, 2 * PAGE).every((b) => b === 3));
});

// Regression: a zero-length write at an offset past the end used to extend the file (and a sync made
// that size durable); a real file does not grow on a zero-byte pwrite (POSIX: "no other results").
test('a zero-length write past the end does not extend the file', (t) => {
  const file = new PageFile();
  file.write(0, new Uint8Array([1, 2]));
  file.write(100, new Uint8Array(0));
  t.is(file.sizeBytes, 2);
  file.sync();
  file.crash();
  t.is(file.sizeBytes, 2);
});

test('negative offsets and sizes are refused', (t) => {
  const file = new PageFile();
  t.is((t.throws(() => file.write(-1, new Uint8Array(1))) as FlyerError).code, 'ASSERTION');
  t.is((t.throws(() => file.truncate(-5)) as FlyerError).code, 'ASSERTION');
});
