//! Step 1 of the sort: read every input into one buffer and build the sort entries, overlapped (a
//! reader thread fills 64 MB pieces, the calling thread extracts keys from finished pieces).
//! An entry is `key (80 bits) << 48 | record index (32 bits)`: the key on top so the top 16 bits pick
//! the radix bucket and integer order is key order, ties broken by input position.

use crate::fileio::open_records;
use crate::memory::big_zeroed;
use crate::record::RECORD_BYTES;
use std::fs::File;
use std::io::Read;
use std::sync::mpsc::sync_channel;
use std::thread;

/// Pieces the reader hands over: a multiple of the record size, large enough that the channel hop is
/// noise, small enough that key extraction starts early.
const PIECE_BYTES: usize = 640_000 * RECORD_BYTES;
pub const BUCKET_BITS: u32 = 16;
pub const BUCKETS: usize = 1 << BUCKET_BITS;
/// Scatter runs on this many threads; each needs the histogram of its own share of the entries.
pub const SCATTER_SHARES: usize = 2;

pub struct Loaded {
    pub data: Vec<u8>,
    /// `key80 << 48 | index` per record, in input order (bits 32..48 stay zero).
    pub entries: Vec<u128>,
    /// Per scatter share (equal slices of `entries`), the count of entries per bucket.
    pub histograms: Vec<Vec<u32>>,
}

/// Key (first 10 bytes, big-endian) and record index packed so that integer order = (key, index) order.
#[inline(always)]
pub fn entry(record: &[u8], index: u32) -> u128 {
    let hi = u64::from_be_bytes(record[..8].try_into().unwrap());
    let lo = u16::from_be_bytes([record[8], record[9]]);
    (hi as u128) << 64 | (lo as u128) << 48 | index as u128
}

#[inline(always)]
pub fn bucket_of(entry: u128) -> usize {
    (entry >> (128 - BUCKET_BITS)) as usize
}

pub fn load(inputs: &[String]) -> std::io::Result<Loaded> {
    let mut files: Vec<(File, u64)> = Vec::with_capacity(inputs.len());
    for path in inputs {
        files.push(open_records(path)?);
    }
    let records: u64 = files.iter().map(|(_, n)| n).sum();
    if records > u32::MAX as u64 {
        return Err(std::io::Error::other(format!("{records} records exceed one in-memory sort's limit of 2^32 - 1")));
    }
    let records = records as usize;
    let mut data = big_zeroed::<u8>(records * RECORD_BYTES);
    let mut entries = big_zeroed::<u128>(records);
    let mut histograms = vec![vec![0u32; BUCKETS]; SCATTER_SHARES];
    let share_end = |s: usize| records * (s + 1) / SCATTER_SHARES;

    thread::scope(|scope| -> std::io::Result<()> {
        let (tx, rx) = sync_channel::<(usize, &[u8])>(4);
        let mut pieces: Vec<(usize, &mut [u8], usize)> = Vec::new(); // (file, piece, first record)
        let mut rest: &mut [u8] = &mut data;
        let mut first = 0usize;
        for (f, (_, n)) in files.iter().enumerate() {
            let mut left = *n as usize * RECORD_BYTES;
            while left > 0 {
                let take = left.min(PIECE_BYTES);
                let (piece, tail) = std::mem::take(&mut rest).split_at_mut(take);
                rest = tail;
                pieces.push((f, piece, first));
                first += take / RECORD_BYTES;
                left -= take;
            }
        }
        let files = &mut files;
        let reader = scope.spawn(move || -> std::io::Result<()> {
            for (f, piece, first) in pieces {
                files[f].0.read_exact(piece)?;
                if tx.send((first, piece)).is_err() {
                    break;
                }
            }
            Ok(())
        });
        let mut share = 0usize;
        for (first, piece) in rx {
            for (k, rec) in piece.chunks_exact(RECORD_BYTES).enumerate() {
                let index = first + k;
                while index >= share_end(share) {
                    share += 1;
                }
                let e = entry(rec, index as u32);
                entries[index] = e;
                histograms[share][bucket_of(e)] += 1;
            }
        }
        reader.join().expect("reader thread panicked")
    })?;
    Ok(Loaded { data, entries, histograms })
}
