//! gensort 1.5 records: 100 bytes, the first 10 the key. Record i is a pure function of the generator
//! values X(i+1)..X(i+10) (binary) or X(i+1) alone (ASCII), see rand16.rs.

use crate::rand16;
use crate::skew;

pub const RECORD_BYTES: usize = 100;
pub const KEY_BYTES: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// Every byte pseudo-random: the GraySort/MinuteSort format.
    Binary,
    /// Printable keys, the record number in hex and CR LF: the PennySort/JouleSort format, and lines
    /// that text tools (sort, DuckDB's CSV reader) can handle.
    Ascii,
}

#[derive(Clone, Copy, Debug)]
pub struct GenOptions {
    pub kind: RecordKind,
    /// gensort -s: a per-record number of leading key bits (binary) or bytes (ASCII) is replaced by a
    /// prefix shared by all records whose record numbers have the same bit length.
    pub skewed: bool,
}

/// Top 80 bits of each payload word of a binary record are XORed with these before use; only the top
/// 80 bits matter: (high u64, top 16 bits of the low u64) for payload slots 1..9.
const PAYLOAD_MASKS: [(u64, u16); 9] = [
    (0xF0E8_E4E2_E1D8_D4D2, 0xD1CC),
    (0xCAC9_C6C5_C3B8_B4B2, 0xB1AC),
    (0xAAA9_A6A5_A39C_9A99, 0x9695),
    (0x938E_8D8B_8778_7472, 0x716C),
    (0x6A69_6665_635C_5A59, 0x5655),
    (0x534E_4D4B_473C_3A39, 0x3635),
    (0x332E_2D2B_271E_1D1B, 0x170F),
    (0xC8C4_C2C1_9894_9291, 0x8CE0),
    (0x170F_332E_2D2B_271E, 0x1D1B),
];

/// Writes the top 80 bits of `x` big-endian into `out[..10]`.
#[inline(always)]
fn put_top80(out: &mut [u8], hi: u64, lo_top16: u16) {
    out[..8].copy_from_slice(&hi.to_be_bytes());
    out[8..10].copy_from_slice(&lo_top16.to_be_bytes());
}

/// Fills `out` (a whole number of records) with records `start`, `start + 1`, ...
pub fn generate(start: u128, out: &mut [u8], options: GenOptions) {
    assert!(out.len() % RECORD_BYTES == 0, "output must hold whole records");
    let count = out.len() / RECORD_BYTES;
    if count == 0 {
        return;
    }
    // X(start+1) .. X(start+count+9): one generator step per record, shared by the 10 overlapping windows.
    let lookahead = match options.kind {
        RecordKind::Binary => 9,
        RecordKind::Ascii => 0,
    };
    let mut xs = Vec::with_capacity(count + lookahead);
    let mut x = rand16::skip_ahead(start);
    for _ in 0..count + lookahead {
        x = rand16::next(x);
        xs.push(x);
    }
    for (r, rec) in out.chunks_exact_mut(RECORD_BYTES).enumerate() {
        let number = start.wrapping_add(r as u128);
        match options.kind {
            RecordKind::Binary => binary_record(rec, &xs[r..r + 10]),
            RecordKind::Ascii => ascii_record(rec, xs[r], number),
        }
        if options.skewed {
            skew::apply(rec, xs[r], number, options.kind);
        }
    }
}

fn binary_record(rec: &mut [u8], window: &[u128]) {
    let key = window[0];
    put_top80(&mut rec[0..10], (key >> 64) as u64, (key >> 48) as u16);
    for (j, &(mask_hi, mask_lo)) in PAYLOAD_MASKS.iter().enumerate() {
        let v = window[j + 1];
        let at = 10 * (j + 1);
        put_top80(&mut rec[at..at + 10], ((v >> 64) as u64) ^ mask_hi, ((v >> 48) as u16) ^ mask_lo);
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn ascii_record(rec: &mut [u8], x: u128, number: u128) {
    // Key: 95 printable characters per byte, 8 from the high word and 2 from the low word.
    let mut hi = (x >> 64) as u64;
    for b in &mut rec[0..8] {
        *b = b' ' + (hi % 95) as u8;
        hi /= 95;
    }
    let lo = x as u64;
    let mut rest = lo;
    for b in &mut rec[8..10] {
        *b = b' ' + (rest % 95) as u8;
        rest /= 95;
    }
    rec[10] = b' ';
    rec[11] = b' ';
    // The record number as 32 hex digits lets a reader spot a lost or duplicated record by eye.
    for (k, b) in rec[12..44].iter_mut().enumerate() {
        *b = HEX_UPPER[((number >> (4 * (31 - k))) & 0xF) as usize];
    }
    rec[44] = b' ';
    rec[45] = b' ';
    // Filler: 13 groups of one hex digit repeated 4 times, from the low word's nibbles at 48, 44, .., 0.
    for g in 0..13 {
        let digit = HEX_UPPER[((lo >> (48 - 4 * g)) & 0xF) as usize];
        rec[46 + 4 * g..50 + 4 * g].fill(digit);
    }
    rec[98] = b'\r';
    rec[99] = b'\n';
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_hex(rec: &[u8]) -> String {
        rec[..10].iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn known_binary_keys() {
        let mut out = vec![0u8; 2 * RECORD_BYTES];
        generate(0, &mut out, GenOptions { kind: RecordKind::Binary, skewed: false });
        assert_eq!(key_hex(&out[..100]), "4a696d47726179524950");
        assert_eq!(key_hex(&out[100..]), "95e0e48262b3edfe0447");
        let mut five = vec![0u8; RECORD_BYTES];
        generate(5, &mut five, GenOptions { kind: RecordKind::Binary, skewed: false });
        assert_eq!(key_hex(&five), "72dc0ca51e333f324b7a");
    }

    #[test]
    fn known_ascii_record() {
        let mut out = vec![0u8; RECORD_BYTES];
        generate(0, &mut out, GenOptions { kind: RecordKind::Ascii, skewed: false });
        assert_eq!(&out[..98], b"AsfAGHM5om  00000000000000000000000000000000  0000222200002222000022220000222200002222000000001111");
        assert_eq!(&out[98..], b"\r\n");
    }

    #[test]
    fn ranges_concatenate() {
        let opts = GenOptions { kind: RecordKind::Binary, skewed: true };
        let mut whole = vec![0u8; 50 * RECORD_BYTES];
        generate(7, &mut whole, opts);
        let mut parts = vec![0u8; 50 * RECORD_BYTES];
        let (a, b) = parts.split_at_mut(13 * RECORD_BYTES);
        generate(7, a, opts);
        generate(20, b, opts);
        assert_eq!(whole, parts);
    }
}
