//! Summaries of many records on several threads: blocks of records are summarised in parallel and
//! merged in order with `Summary::then`, so the result equals one sequential pass. One implementation
//! for records in a file (valsort: read block by block into per-thread buffers, as a file may exceed
//! memory) and records already in memory (the C ABI: summarised in place, no copy).

use crate::fileio::read_at;
use crate::pipeline::ordered_blocks;
use crate::record::RECORD_BYTES;
use crate::summary::{KeyCompare, Summary};
use std::fs::File;
use std::io;

/// Records per block: 4 MB, valsort's own block size.
pub const BLOCK_RECORDS: usize = 40_000;

/// Where the records to summarise are.
#[derive(Clone, Copy)]
pub enum Records<'a> {
    /// A whole number of records in memory.
    Memory(&'a [u8]),
    /// The first `records` records of a file.
    File { file: &'a File, records: u64 },
}

impl Records<'_> {
    fn count(&self) -> u64 {
        match self {
            Records::Memory(data) => (data.len() / RECORD_BYTES) as u64,
            Records::File { records, .. } => *records,
        }
    }
}

/// Summarises `source` (at least one record) on `threads` threads.
pub fn summarize(source: Records<'_>, compare: KeyCompare, threads: usize) -> io::Result<Summary> {
    if let Records::Memory(data) = source {
        if data.len() % RECORD_BYTES != 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{} bytes are not whole {RECORD_BYTES}-byte records", data.len())));
        }
    }
    let records = source.count();
    if records == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "no records to summarise"));
    }
    let blocks = records.div_ceil(BLOCK_RECORDS as u64) as usize;
    let scratch_bytes = match source {
        Records::Memory(_) => 0,
        Records::File { .. } => BLOCK_RECORDS * RECORD_BYTES,
    };
    let mut total: Option<Summary> = None;
    ordered_blocks(
        blocks,
        threads,
        || (vec![0u8; scratch_bytes], None::<Summary>),
        |b, (scratch, summary)| {
            let first = b * BLOCK_RECORDS;
            let n = (records - first as u64).min(BLOCK_RECORDS as u64) as usize;
            let bytes = match source {
                Records::Memory(data) => &data[first * RECORD_BYTES..(first + n) * RECORD_BYTES],
                Records::File { file, .. } => {
                    read_at(file, &mut scratch[..n * RECORD_BYTES], (first * RECORD_BYTES) as u64)?;
                    &scratch[..n * RECORD_BYTES]
                }
            };
            *summary = Some(Summary::of_block(bytes, compare));
            Ok(())
        },
        |_, (_, summary)| {
            let s = summary.take().expect("produced");
            total = Some(match total.take() {
                None => s,
                Some(t) => t.then(&s, compare),
            });
            Ok(())
        },
    )?;
    Ok(total.expect("at least one block"))
}
