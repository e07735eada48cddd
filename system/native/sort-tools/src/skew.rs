//! gensort -s ("moderately skewed keys", the Daytona skew test).
//!
//! The mechanics follow gensort 1.5: each record gets a skew index, the bit length of its record number
//! (so half of an N-record file shares the last index, a quarter the one before, ...), and a per-record
//! count taken from its generator value: binary records replace that many leading key *bits* (0..48,
//! from bits 32..37 of the low word; larger values mean 0) with the index's 6-byte prefix, ASCII records
//! replace that many leading key *bytes* (0..6, from bits 32..34; 7 means 0).
//!
//! KNOWN DIFFERENCE: gensort embeds two fixed 129-entry prefix tables that are not reproduced here
//! (they are literal data in gensort.c, not derivable from the algorithm). Flyer derives its prefixes
//! from the same generator instead (`prefix`), so `-s` output has gensort's skew *shape* but different
//! bytes. Records generated without -s are unaffected.

use crate::rand16;
use crate::record::{KEY_BYTES, RecordKind};

/// Where Flyer's prefixes come from: generator values far beyond any record number a run could reach.
const PREFIX_SEED_INDEX: u128 = 1 << 100;

/// Skew index of a record number: its bit length, except that a 64-bit half with any of its top 4 bits
/// set counts as full (64, resp. 128), as gensort computes it nibble by nibble.
pub fn skew_index(number: u128) -> usize {
    let hi = (number >> 64) as u64;
    let lo = number as u64;
    let bit_length = |w: u64| 64 - w.leading_zeros() as usize;
    if hi != 0 {
        if hi >> 60 != 0 { 128 } else { 64 + bit_length(hi) }
    } else if lo >> 60 != 0 {
        64
    } else {
        bit_length(lo)
    }
}

/// The shared 48-bit prefix of skew index `index` (0..=128), as 6 bytes.
fn binary_prefix(index: usize) -> [u8; 6] {
    let x = rand16::skip_ahead(PREFIX_SEED_INDEX + index as u128 + 1);
    let bytes = x.to_be_bytes();
    [bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]]
}

/// The shared 6-character printable prefix of skew index `index`.
fn ascii_prefix(index: usize) -> [u8; 6] {
    let mut v = (rand16::skip_ahead(PREFIX_SEED_INDEX + index as u128 + 1) >> 64) as u64;
    let mut out = [0u8; 6];
    for b in &mut out {
        *b = b' ' + (v % 95) as u8;
        v /= 95;
    }
    out
}

/// Rewrites the key of `rec` (already generated from `x` = X(number+1)) into its skewed form.
pub fn apply(rec: &mut [u8], x: u128, number: u128, kind: RecordKind) {
    let low = x as u64;
    let index = skew_index(number);
    match kind {
        RecordKind::Binary => {
            let bits = ((low >> 32) & 0x3f) as u32;
            if bits == 0 || bits > 48 {
                return;
            }
            let prefix = binary_prefix(index);
            let mut key = [0u8; 8];
            key[..6].copy_from_slice(&rec[..6]);
            let mut pat = [0u8; 8];
            pat[..6].copy_from_slice(&prefix);
            let mask = !0u64 << (64 - bits);
            let merged = (u64::from_be_bytes(pat) & mask) | (u64::from_be_bytes(key) & !mask);
            rec[..6].copy_from_slice(&merged.to_be_bytes()[..6]);
        }
        RecordKind::Ascii => {
            let count = ((low >> 32) & 0x7) as usize;
            if count == 0 || count > 6 {
                return;
            }
            debug_assert!(count <= KEY_BYTES);
            rec[..count].copy_from_slice(&ascii_prefix(index)[..count]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_index_is_bit_length_with_the_nibble_quirk() {
        assert_eq!(skew_index(0), 0);
        assert_eq!(skew_index(1), 1);
        assert_eq!(skew_index(9), 4);
        assert_eq!(skew_index(1 << 59), 60);
        assert_eq!(skew_index(1 << 60), 64);
        assert_eq!(skew_index(1u128 << 64), 65);
        assert_eq!(skew_index(1u128 << 125), 128);
    }
}
