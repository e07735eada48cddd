//! gensort -s ("moderately skewed keys", the Daytona skew test), byte-compatible with gensort 1.5.
//!
//! The mechanics follow gensort 1.5: each record gets a skew index, the bit length of its record number
//! (so half of an N-record file shares the last index, a quarter the one before, ...), and a per-record
//! count taken from its generator value: binary records replace that many leading key *bits* (0..48,
//! from bits 32..37 of the low word; larger values mean 0) with the index's 6-byte prefix, ASCII records
//! replace that many leading key *bytes* (0..6, from bits 32..34; 7 means 0).
//!
//! The prefixes: gensort has two 129-entry tables of 6-byte prefixes (binary and ASCII), one per skew
//! index 0..=128. Measured against gensort's own output, entry k of each table is exactly the first 6 key
//! bytes of gensort's unskewed record k of the same kind (binary entry 0 = 4a696d477261 "JimGra", ASCII
//! entry 0 = "AsfAGH"). So no table is embedded here: `tables()` generates records 0..=128 once with
//! the ordinary (unskewed) generator and keeps their first 6 key bytes. That is 129 records per kind,
//! computed on first use and shared by all threads.

use std::sync::OnceLock;

use crate::record::{self, GenOptions, KEY_BYTES, RECORD_BYTES, RecordKind};

/// Number of skew indexes (bit lengths 0..=128 of a 128-bit record number), so of prefix table entries.
pub const TABLE_ENTRIES: usize = 129;
/// Bytes per prefix table entry: up to 48 key bits (binary) or 6 key bytes (ASCII) are replaced.
pub const PREFIX_BYTES: usize = 6;

pub type PrefixTable = [[u8; PREFIX_BYTES]; TABLE_ENTRIES];

/// The two prefix tables, derived from unskewed records 0..=128.
pub struct Tables {
    pub binary: PrefixTable,
    pub ascii: PrefixTable,
}

/// First 6 key bytes of unskewed records 0..=128 of `kind`.
fn derive_table(kind: RecordKind) -> PrefixTable {
    let mut records = vec![0u8; TABLE_ENTRIES * RECORD_BYTES];
    record::generate(0, &mut records, GenOptions { kind, skewed: false });
    let mut table = [[0u8; PREFIX_BYTES]; TABLE_ENTRIES];
    for (entry, rec) in table.iter_mut().zip(records.chunks_exact(RECORD_BYTES)) {
        entry.copy_from_slice(&rec[..PREFIX_BYTES]);
    }
    table
}

/// Both tables, computed on first use.
pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables { binary: derive_table(RecordKind::Binary), ascii: derive_table(RecordKind::Ascii) })
}

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
            let prefix = tables().binary[index];
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
            rec[..count].copy_from_slice(&tables().ascii[index][..count]);
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

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn derived_tables_match_gensort_entries() {
        let t = tables();
        assert_eq!(hex(&t.binary[0]), "4a696d477261");
        assert_eq!(hex(&t.binary[1]), "95e0e48262b3");
        assert_eq!(hex(&t.binary[5]), "72dc0ca51e33");
        assert_eq!(hex(&t.binary[128]), "e1dc46b645c4");
        assert_eq!(&t.ascii[0], b"AsfAGH");
        assert_eq!(&t.ascii[1], b"~sHd0j");
    }
}
