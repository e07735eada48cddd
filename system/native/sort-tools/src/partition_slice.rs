//! Phase 1 of GraySort for records already in memory: group a buffer of records by part into a second
//! buffer, with the same key-to-part map as `partition_file` (partition.rs), so either path gives the
//! same parts. Two passes over the input: count the records of every part (which fixes where each part
//! starts), then copy every record to its part's next slot; within a part records keep input order.

use crate::partition::KeySpace;
use crate::record::{KEY_BYTES, RECORD_BYTES};

/// Groups the records of `input` by part into `out` (at least `input.len()` bytes; part 0 first) and
/// fills `counts` (one per part) with the records of each part. `input` must hold whole records.
pub fn partition_slice(input: &[u8], space: &KeySpace, out: &mut [u8], counts: &mut [u64]) {
    assert!(input.len() % RECORD_BYTES == 0, "input must hold whole records");
    assert!(out.len() >= input.len(), "output must be at least as long as the input");
    assert!(!counts.is_empty(), "at least one part");
    // One copy of the loops per key space, so the part function inlines instead of matching per record.
    let parts = counts.len();
    match space {
        KeySpace::Binary => group(input, |k| KeySpace::Binary.part_of(k, parts), out, counts),
        KeySpace::Ascii => group(input, |k| KeySpace::Ascii.part_of(k, parts), out, counts),
        splitters => group(input, |k| splitters.part_of(k, parts), out, counts),
    }
}

#[inline(always)]
fn group(input: &[u8], part_of: impl Fn(&[u8]) -> usize, out: &mut [u8], counts: &mut [u64]) {
    counts.fill(0);
    for rec in input.chunks_exact(RECORD_BYTES) {
        counts[part_of(&rec[..KEY_BYTES])] += 1;
    }
    // Byte offset where each part's next record goes.
    let mut next = Vec::with_capacity(counts.len());
    let mut at = 0usize;
    for &c in counts.iter() {
        next.push(at);
        at += c as usize * RECORD_BYTES;
    }
    for rec in input.chunks_exact(RECORD_BYTES) {
        let rec: &[u8; RECORD_BYTES] = rec.try_into().unwrap();
        let slot = &mut next[part_of(&rec[..KEY_BYTES])];
        let dst: &mut [u8; RECORD_BYTES] = (&mut out[*slot..*slot + RECORD_BYTES]).try_into().unwrap();
        *dst = *rec;
        *slot += RECORD_BYTES;
    }
}
