//! Step 1 of the sort: build the sort entries, one thread per share of the records. Inputs are byte
//! slices (memory-mapped files for `sort_files`, caller buffers for the in-memory C ABI), so both paths
//! share this code.
//! An entry is `key (80 bits) << 48 | input number (16 bits) << 32 | record index in that input (32
//! bits)`: the key on top so the top 16 bits pick the radix bucket and integer order is key order, ties
//! broken by input position (a stable sort, hence deterministic output).

use crate::fileio::open_records;
use crate::mapped::Mapped;
use crate::memory::entries_zeroed;
use crate::record::RECORD_BYTES;
use std::io;
use std::thread;

pub const BUCKET_BITS: u32 = 16;
pub const BUCKETS: usize = 1 << BUCKET_BITS;
/// The entry has 16 bits for the input number and 32 for the record index.
pub const MAX_INPUTS: usize = 1 << 16;
pub const MAX_INPUT_RECORDS: usize = u32::MAX as usize;

pub struct Entries {
    /// One entry per record, in input order.
    pub entries: Vec<u128>,
    /// Per share (equal consecutive slices of `entries`, one per thread), the entry count per bucket.
    pub histograms: Vec<Vec<u32>>,
}

#[inline(always)]
pub fn entry(record: &[u8], input: usize, index: usize) -> u128 {
    let hi = u64::from_be_bytes(record[..8].try_into().unwrap());
    let lo = u16::from_be_bytes([record[8], record[9]]);
    (hi as u128) << 64 | (lo as u128) << 48 | (input as u128) << 32 | index as u128
}

#[inline(always)]
pub fn bucket_of(entry: u128) -> usize {
    (entry >> (128 - BUCKET_BITS)) as usize
}

/// The record an entry stands for.
#[inline(always)]
pub fn record_of<'a>(inputs: &[&'a [u8]], entry: u128) -> &'a [u8] {
    let input = ((entry >> 32) & 0xffff) as usize;
    let at = (entry as u32 as usize) * RECORD_BYTES;
    &inputs[input][at..at + RECORD_BYTES]
}

/// Why `inputs` cannot be sorted as one run of entries, if they cannot: the limits the entry layout sets.
pub fn check_inputs(inputs: &[&[u8]]) -> Result<(), String> {
    if inputs.len() > MAX_INPUTS {
        return Err(format!("{} inputs exceed one sort's limit of {MAX_INPUTS}", inputs.len()));
    }
    for (i, data) in inputs.iter().enumerate() {
        if data.len() % RECORD_BYTES != 0 {
            return Err(format!("input {i} is {} bytes, not a multiple of the {RECORD_BYTES}-byte record size", data.len()));
        }
        if data.len() / RECORD_BYTES > MAX_INPUT_RECORDS {
            return Err(format!("input {i} has {} records, over one input's limit of 2^32 - 1", data.len() / RECORD_BYTES));
        }
    }
    Ok(())
}

/// Maps every input file read-only (no copy out of the page cache).
pub fn map_inputs(paths: &[String]) -> io::Result<Vec<Mapped>> {
    if paths.len() > MAX_INPUTS {
        return Err(io::Error::other(format!("{} inputs exceed one sort's limit of {MAX_INPUTS}", paths.len())));
    }
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        let (file, records) = open_records(path)?;
        if records > MAX_INPUT_RECORDS as u64 {
            return Err(io::Error::other(format!("{path}: {records} records exceed one input's limit of 2^32 - 1")));
        }
        inputs.push(Mapped::map(&file, records as usize * RECORD_BYTES).map_err(|e| io::Error::new(e.kind(), format!("can't map {path}: {e}")))?);
    }
    Ok(inputs)
}

/// Builds the entries of `inputs` (which must pass `check_inputs`) on `shares` threads.
pub fn build_entries(inputs: &[&[u8]], shares: usize) -> io::Result<Entries> {
    check_inputs(inputs).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut starts = Vec::with_capacity(inputs.len() + 1); // global index of each input's first record
    let mut total = 0usize;
    for data in inputs {
        starts.push(total);
        total += data.len() / RECORD_BYTES;
    }
    starts.push(total);
    let shares = shares.max(1);
    let mut entries = entries_zeroed(total);
    let mut histograms = vec![vec![0u32; BUCKETS]; shares];
    thread::scope(|scope| {
        let mut rest: &mut [u128] = &mut entries;
        for (s, histogram) in histograms.iter_mut().enumerate() {
            let (from, to) = (total * s / shares, total * (s + 1) / shares);
            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(to - from);
            rest = tail;
            let starts = &starts;
            scope.spawn(move || {
                // Walk the inputs that overlap global records [from, to).
                let mut global = from;
                let mut input = starts.partition_point(|&st| st <= from).saturating_sub(1);
                while global < to {
                    while starts[input + 1] <= global {
                        input += 1;
                    }
                    let end = to.min(starts[input + 1]);
                    let data = inputs[input];
                    for g in global..end {
                        let index = g - starts[input];
                        let e = entry(&data[index * RECORD_BYTES..index * RECORD_BYTES + 10], input, index);
                        mine[g - from] = e;
                        histogram[bucket_of(e)] += 1;
                    }
                    global = end;
                }
            });
        }
    });
    Ok(Entries { entries, histograms })
}
