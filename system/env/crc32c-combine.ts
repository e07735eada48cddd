/**
 * Joins CRC32C checksums without the bytes: given crc(A) and crc(B), the checksum of A followed by B is
 * crc(A) times x^(8|B|) modulo the polynomial, xor crc(B) (the pre- and post-inversion of the register
 * cancel out in that sum). It lets a sender that already knows the checksum of a large piece (a chunk the
 * engine has just verified) checksum a frame around it without a pass over its bytes: a few hundred
 * integer operations instead of ~0.2 ms per 4 MiB.
 *
 * Polynomials are in the reflected bit order CRC32C uses: bit 31 is x^0, bit 0 is x^31.
 *
 * @example
 * crc32cCombine(crc32c(a), crc32c(b), b.length) === crc32c(Buffer.concat([a, b]))
 */

/** Reflected Castagnoli polynomial (without its x^32 term). */
const POLY = 0x82f63b78;
const X0 = 0x80000000;

/** a * b modulo the polynomial. */
function multiplyModPoly(a: number, b: number): number {
  let product = 0;
  let multiplier = b >>> 0;
  for (let bit = X0; bit !== 0 && a !== 0; bit >>>= 1) {
    if ((a & bit) !== 0) {
      product ^= multiplier;
      a ^= bit;
    }
    // multiplier *= x
    multiplier = (multiplier & 1) !== 0 ? (multiplier >>> 1) ^ POLY : multiplier >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial for k = 0..63: enough for any length below 2^53 bytes (k = 3 + bit). */
const X_POW_2K: number[] = (() => {
  const table = [X0 >>> 1]; // x^1
  for (let k = 1; k < 64; k++) table.push(multiplyModPoly(table[k - 1]!, table[k - 1]!));
  return table;
})();

/** x^(8 * lengthBytes) modulo the polynomial: the operator that moves a checksum past lengthBytes bytes. */
function shiftOperator(lengthBytes: number): number {
  let operator = X0;
  let k = 3; // one byte is x^8 = x^(2^3)
  for (let n = lengthBytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) operator = multiplyModPoly(X_POW_2K[k]!, operator);
  }
  return operator;
}

/** The CRC32C of A ++ B from crc(A), crc(B) and |B| in bytes. */
export function crc32cCombine(crcA: number, crcB: number, lengthBBytes: number): number {
  if (lengthBBytes === 0) return crcA >>> 0;
  return (multiplyModPoly(shiftOperator(lengthBBytes), crcA >>> 0) ^ crcB) >>> 0;
}
