import test from 'ava';
import fc from 'fast-check';
import { crc32c } from '../../system/env/crc32c.ts';
import { crc32cCombine } from '../../system/env/crc32c-combine.ts';

// Goal: joining two checksums gives exactly the checksum of the joined bytes, for any split, so a frame
// checksum built from a chunk's stored CRC equals one computed over the bytes.

test('property: crc(A ++ B) = combine(crc(A), crc(B), |B|)', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
    const joined = new Uint8Array(a.length + b.length);
    joined.set(a, 0);
    joined.set(b, a.length);
    return crc32cCombine(crc32c(a), crc32c(b), b.length) === crc32c(joined);
  }));
  t.pass();
});

test('large right-hand sides (4 MiB chunks, 64 MiB frames) combine exactly', (t) => {
  for (const sizeBytes of [4 << 20, (4 << 20) + 13, 1 << 26]) {
    const b = new Uint8Array(sizeBytes);
    for (let i = 0; i < sizeBytes; i += 4093) b[i] = (i * 7) & 0xff;
    const a = Buffer.from('frame header and message');
    t.is(crc32cCombine(crc32c(a), crc32c(b), sizeBytes), crc32c(b, crc32c(a)), `${sizeBytes} bytes`);
  }
});

test('an empty right-hand side leaves the checksum as it is', (t) => {
  t.is(crc32cCombine(0x12345678, 0, 0), 0x12345678);
  t.is(crc32cCombine(crc32c(Buffer.from('x')), crc32c(new Uint8Array(0)), 0), crc32c(Buffer.from('x')));
});
