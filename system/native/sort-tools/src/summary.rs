//! valsort's summary of a run of records: counts, checksum and the first and last record, enough to
//! validate a concatenation of runs without rereading them (valsort -o writes one, valsort -s checks a
//! file of them). Summaries of adjacent blocks merge associatively, which is also how one file is
//! validated on several threads.

use crate::crc32::sum_record_crcs;
use crate::record::{KEY_BYTES, RECORD_BYTES};
use std::cmp::Ordering;

/// Bytes of one summary on disk: five 128-bit counters (80) + first record (100) + last record (100).
pub const SUMMARY_BYTES: usize = 280;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// 0-based index of the first record whose key is below its predecessor's (0 when none).
    pub first_unordered: u128,
    pub unordered: u128,
    pub records: u128,
    pub duplicates: u128,
    /// Sum of the CRC-32 of every record, mod 2^128: order-independent, so sort input and output agree.
    pub checksum: u128,
    pub first: [u8; RECORD_BYTES],
    pub last: [u8; RECORD_BYTES],
}

#[derive(Clone, Copy, Debug)]
pub enum KeyCompare {
    /// memcmp of the 10 key bytes (the default).
    Bytes,
    /// valsort -i: ASCII letters compare case-insensitively.
    CaseInsensitive,
}

#[inline(always)]
fn compare_keys(a: &[u8], b: &[u8], how: KeyCompare) -> Ordering {
    match how {
        KeyCompare::Bytes => a[..KEY_BYTES].cmp(&b[..KEY_BYTES]),
        KeyCompare::CaseInsensitive => {
            let fold = |k: &[u8]| -> [u8; KEY_BYTES] {
                let mut out = [0u8; KEY_BYTES];
                for (o, c) in out.iter_mut().zip(k) {
                    *o = c.to_ascii_lowercase();
                }
                out
            };
            fold(a).cmp(&fold(b))
        }
    }
}

impl Summary {
    /// Summarises a non-empty block of whole records.
    pub fn of_block(block: &[u8], how: KeyCompare) -> Summary {
        assert!(!block.is_empty() && block.len() % RECORD_BYTES == 0, "block must hold whole records");
        let mut s = Summary {
            first_unordered: 0,
            unordered: 0,
            records: (block.len() / RECORD_BYTES) as u128,
            duplicates: 0,
            checksum: 0,
            first: block[..RECORD_BYTES].try_into().unwrap(),
            last: block[block.len() - RECORD_BYTES..].try_into().unwrap(),
        };
        let mut prev: &[u8] = &block[..RECORD_BYTES];
        for (i, rec) in block.chunks_exact(RECORD_BYTES).enumerate().skip(1) {
            match compare_keys(prev, rec, how) {
                Ordering::Less => {}
                Ordering::Equal => s.duplicates += 1,
                Ordering::Greater => {
                    if s.unordered == 0 {
                        s.first_unordered = i as u128;
                    }
                    s.unordered += 1;
                }
            }
            prev = rec;
        }
        s.checksum = sum_record_crcs(block);
        s
    }

    /// The summary of `self` followed by `next`: the boundary pair is compared like any other pair.
    pub fn then(&self, next: &Summary, how: KeyCompare) -> Summary {
        let mut s = self.clone();
        match compare_keys(&self.last, &next.first, how) {
            Ordering::Less => {}
            Ordering::Equal => s.duplicates = s.duplicates.wrapping_add(1),
            Ordering::Greater => {
                if s.unordered == 0 {
                    s.first_unordered = self.records;
                }
                s.unordered = s.unordered.wrapping_add(1);
            }
        }
        if s.unordered == 0 && next.unordered != 0 {
            s.first_unordered = self.records.wrapping_add(next.first_unordered);
        }
        s.unordered = s.unordered.wrapping_add(next.unordered);
        s.records = s.records.wrapping_add(next.records);
        s.duplicates = s.duplicates.wrapping_add(next.duplicates);
        s.checksum = s.checksum.wrapping_add(next.checksum);
        s.last = next.last;
        s
    }

    /// valsort's on-disk layout (x86-64 native): each counter as two little-endian u64, high word first.
    pub fn to_bytes(&self) -> [u8; SUMMARY_BYTES] {
        let mut out = [0u8; SUMMARY_BYTES];
        let counters = [self.first_unordered, self.unordered, self.records, self.duplicates, self.checksum];
        for (k, v) in counters.iter().enumerate() {
            out[16 * k..16 * k + 8].copy_from_slice(&((v >> 64) as u64).to_le_bytes());
            out[16 * k + 8..16 * k + 16].copy_from_slice(&(*v as u64).to_le_bytes());
        }
        out[80..180].copy_from_slice(&self.first);
        out[180..280].copy_from_slice(&self.last);
        out
    }

    pub fn from_bytes(b: &[u8]) -> Summary {
        assert_eq!(b.len(), SUMMARY_BYTES);
        let counter = |k: usize| -> u128 {
            let hi = u64::from_le_bytes(b[16 * k..16 * k + 8].try_into().unwrap());
            let lo = u64::from_le_bytes(b[16 * k + 8..16 * k + 16].try_into().unwrap());
            ((hi as u128) << 64) | lo as u128
        };
        Summary {
            first_unordered: counter(0),
            unordered: counter(1),
            records: counter(2),
            duplicates: counter(3),
            checksum: counter(4),
            first: b[80..180].try_into().unwrap(),
            last: b[180..280].try_into().unwrap(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(key: u8) -> [u8; RECORD_BYTES] {
        let mut r = [key; RECORD_BYTES];
        r[99] = 0;
        r
    }

    fn block(keys: &[u8]) -> Vec<u8> {
        keys.iter().flat_map(|&k| rec(k)).collect()
    }

    #[test]
    fn merging_blocks_equals_one_block() {
        let keys = [1u8, 2, 2, 5, 3, 4, 4, 1, 9];
        let whole = Summary::of_block(&block(&keys), KeyCompare::Bytes);
        assert_eq!(whole.unordered, 2);
        assert_eq!(whole.first_unordered, 4);
        assert_eq!(whole.duplicates, 2);
        for cut in 1..keys.len() {
            let a = Summary::of_block(&block(&keys[..cut]), KeyCompare::Bytes);
            let b = Summary::of_block(&block(&keys[cut..]), KeyCompare::Bytes);
            assert_eq!(a.then(&b, KeyCompare::Bytes), whole, "cut at {cut}");
        }
    }

    #[test]
    fn bytes_round_trip() {
        let s = Summary::of_block(&block(&[3, 1, 2]), KeyCompare::Bytes);
        assert_eq!(Summary::from_bytes(&s.to_bytes()), s);
    }
}
