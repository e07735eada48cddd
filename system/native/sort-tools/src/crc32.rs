//! zlib's CRC-32 (reflected polynomial 0xEDB88320, initial value 0 as gensort passes it), slice-by-16:
//! valsort and gensort -c checksum every record, so this runs over every byte of a 100 GB sort.

const POLY: u32 = 0xEDB8_8320;

const fn make_tables() -> [[u32; 256]; 16] {
    let mut t = [[0u32; 256]; 16];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { POLY ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut s = 1;
    while s < 16 {
        let mut i = 0;
        while i < 256 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        s += 1;
    }
    t
}

static TABLES: [[u32; 256]; 16] = make_tables();

/// The register after 16 more bytes: one slice-by-16 step.
#[inline(always)]
fn slice16_step(crc: u32, c: &[u8; 16]) -> u32 {
    let t = &TABLES;
    let mut bytes = *c;
    for (b, r) in bytes.iter_mut().zip(crc.to_le_bytes()) {
        *b ^= r;
    }
    // Byte i still has 15 - i bytes after it in the step: table 15 - i moves it past them.
    let mut next = 0;
    for (i, &b) in bytes.iter().enumerate() {
        next ^= t[15 - i][b as usize];
    }
    next
}

/// crc32(0, data) as zlib computes it.
pub fn crc32(data: &[u8]) -> u32 {
    let t = &TABLES;
    let mut crc = !0u32;
    let mut chunks = data.chunks_exact(16);
    for c in &mut chunks {
        crc = slice16_step(crc, c.try_into().expect("16 bytes"));
    }
    for &b in chunks.remainder() {
        crc = (crc >> 8) ^ t[0][((crc ^ b as u32) & 0xff) as usize];
    }
    !crc
}

/// The sum of the CRC-32 of every 100-byte record in `records` (a whole number of them), mod 2^128:
/// the checksum gensort -c prints and valsort adds up. Uses carry-less multiplication when the CPU has
/// it: twice as fast as the tables on varied records (14.1 against 28.7 ms per 100 MB, test
/// record_crc_speed), which counts because every record of a sort is summed.
pub fn sum_record_crcs(records: &[u8]) -> u128 {
    assert!(records.len() % RECORD_BYTES == 0, "records must be whole 100-byte records");
    #[cfg(target_arch = "x86_64")]
    {
        if clmul_available() {
            // SAFETY: the CPU has PCLMULQDQ (and SSE2, which x86-64 always has), checked above.
            return unsafe { sum_record_crcs_clmul(records) };
        }
    }
    records.chunks_exact(RECORD_BYTES).map(|r| crc32(r) as u128).fold(0, u128::wrapping_add)
}

const RECORD_BYTES: usize = 100;

#[cfg(target_arch = "x86_64")]
fn clmul_available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| std::arch::is_x86_feature_detected!("pclmulqdq"))
}

/// x^n mod P in the normal (unreflected) bit order: bit k is the coefficient of x^k.
const fn x_pow_mod(n: u32) -> u32 {
    const NORMAL_POLY: u32 = 0x04C1_1DB7; // P(x) - x^32
    let mut r: u32 = 1;
    let mut i = 0;
    while i < n {
        r = if r & 0x8000_0000 != 0 { (r << 1) ^ NORMAL_POLY } else { r << 1 };
        i += 1;
    }
    r
}

/// A polynomial of degree <= 31 as the 64-bit reflected operand of a carry-less multiply.
const fn reflected64(poly: u32) -> u64 {
    (poly.reverse_bits() as u64) << 32
}

/// Folding constants. Bytes loaded little-endian into a 128-bit lane are the block's polynomial
/// reflected (its first bit, the highest power, at bit 0), and a carry-less product of two reflected
/// operands is the reflected product times x. So moving the lane's high-order half (its low 64 bits)
/// 128 bits further along multiplies it by x^191 mod P, and the other half by x^127 mod P; each product
/// stays under 128 bits, and XOR with the next block gives a lane congruent to the message so far.
const FOLD_LOW_HALF: u64 = reflected64(x_pow_mod(191));
const FOLD_HIGH_HALF: u64 = reflected64(x_pow_mod(127));

/// Per record: the initial all-ones register is the same as inverting the first 4 message bytes with a
/// zero register, and leading zero bytes leave a zero register unchanged, so the record is taken as 12
/// zero bytes, its first 4 bytes inverted, then six 16-byte blocks; the 16 bytes the folds end with are
/// reduced by one slice-by-16 step from a zero register.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "pclmulqdq,sse2")]
unsafe fn sum_record_crcs_clmul(records: &[u8]) -> u128 {
    use std::arch::x86_64::*;
    let constants = _mm_set_epi64x(FOLD_HIGH_HALF as i64, FOLD_LOW_HALF as i64);
    let mut sum: u128 = 0;
    for record in records.chunks_exact(RECORD_BYTES) {
        let first = !u32::from_le_bytes([record[0], record[1], record[2], record[3]]);
        let mut lane = _mm_set_epi32(first as i32, 0, 0, 0);
        for block in record[4..].chunks_exact(16) {
            // SAFETY: `block` is 16 readable bytes; loadu has no alignment requirement.
            let next = unsafe { _mm_loadu_si128(block.as_ptr() as *const __m128i) };
            let low = _mm_clmulepi64_si128(lane, constants, 0x00);
            let high = _mm_clmulepi64_si128(lane, constants, 0x11);
            lane = _mm_xor_si128(_mm_xor_si128(low, high), next);
        }
        let mut c = [0u8; 16];
        // SAFETY: `c` is 16 writable bytes.
        unsafe { _mm_storeu_si128(c.as_mut_ptr() as *mut __m128i, lane) };
        let crc = slice16_step(0, &c);
        sum = sum.wrapping_add(!crc as u128);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::{crc32, sum_record_crcs};

    #[test]
    fn record_sums_match_the_table_crc() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut records = vec![0u8; 100 * 5000];
        for byte in records.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        // Edge patterns: all zeros and all ones.
        records[..100].fill(0);
        records[100..200].fill(0xff);
        for n in [0, 1, 2, 3, 5000] {
            let expected = records[..n * 100].chunks_exact(100).map(|r| crc32(r) as u128).sum::<u128>();
            assert_eq!(sum_record_crcs(&records[..n * 100]), expected, "{n} records");
        }
        for (i, r) in records.chunks_exact(100).enumerate().take(300) {
            assert_eq!(sum_record_crcs(r), crc32(r) as u128, "record {i}");
        }
    }

    #[test]
    fn check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        let long: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut slow = !0u32;
        for &b in &long {
            slow ^= b as u32;
            for _ in 0..8 {
                slow = if slow & 1 != 0 { 0xEDB8_8320 ^ (slow >> 1) } else { slow >> 1 };
            }
        }
        assert_eq!(crc32(&long), !slow);
    }

    /// Speed of the two paths over the same 100 MB in one run (a ratio, not a timed assertion):
    /// `cargo test --release --offline record_crc_speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn record_crc_speed() {
        let records: Vec<u8> = (0..100 * 1_000_000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
        for _ in 0..3 {
            let started = std::time::Instant::now();
            let fast = sum_record_crcs(&records);
            let clmul = started.elapsed();
            let started = std::time::Instant::now();
            let slow = records.chunks_exact(100).map(|r| crc32(r) as u128).fold(0u128, u128::wrapping_add);
            let table = started.elapsed();
            assert_eq!(fast, slow);
            println!("100 MB of records: sum_record_crcs {clmul:?}, table crc32 {table:?}, ratio {:.2}", table.as_secs_f64() / clmul.as_secs_f64());
        }
    }
}
