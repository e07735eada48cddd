//! gensort's 128-bit linear congruential generator ("rand16"): X(k+1) = a·X(k) + c mod 2^128, X(0) = 0.
//! Every record i is a pure function of X(i+1)..X(i+10), so any range of records can be generated on
//! its own after a skip-ahead; that is what lets generation run on several threads (or machines) and
//! still produce exactly the bytes of one sequential run.

/// Multiplier from L'Ecuyer's tables of good LCG multipliers for modulus 2^128.
pub const MULTIPLIER: u128 = 0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645;
/// Odd increment; its bytes spell "JimGrayRIP" followed by spaces and 0x01, so X(1) (record 0's key) reads
/// "JimGrayRIP".
pub const INCREMENT: u128 = 0x4a69_6d47_7261_7952_4950_2020_2020_2001;

/// One step of the generator.
#[inline(always)]
pub fn next(x: u128) -> u128 {
    x.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT)
}

/// The affine map x -> a·x + c, composed with itself 2^i times for each table entry i.
#[derive(Clone, Copy)]
struct Affine {
    a: u128,
    c: u128,
}

/// X(n): composes f^(2^i) for each set bit i of n, starting from X(0) = 0. 128 squarings at most, so the
/// table is computed on the fly instead of being embedded.
pub fn skip_ahead(n: u128) -> u128 {
    let mut power = Affine { a: MULTIPLIER, c: INCREMENT };
    let mut x: u128 = 0;
    let mut bits = n;
    while bits != 0 {
        if bits & 1 == 1 {
            x = power.a.wrapping_mul(x).wrapping_add(power.c);
        }
        // f^(2k)(x) = a(a x + c) + c = a² x + (a c + c).
        power = Affine { a: power.a.wrapping_mul(power.a), c: power.a.wrapping_mul(power.c).wrapping_add(power.c) };
        bits >>= 1;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_ahead_matches_stepping() {
        let mut x = 0u128;
        for n in 0..1000u128 {
            assert_eq!(skip_ahead(n), x, "X({n})");
            x = next(x);
        }
    }

    #[test]
    fn first_value_is_the_increment() {
        assert_eq!(skip_ahead(1), INCREMENT);
    }
}
