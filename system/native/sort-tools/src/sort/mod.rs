//! The phase-2 sort of GraySort: one partition of 100-byte records (binary or ASCII gensort records;
//! key = first 10 bytes) sorted in memory: read from local files and written to one local file
//! (`sort_files`), or from caller buffers into a caller buffer (`sort_slices`, the in-memory C ABI).
//! Both run the same three steps over byte slices.
//!
//! Plan (each step uses every thread):
//! 1. load: inputs are memory-mapped (mapped.rs: no copy out of the page cache) and every thread turns
//!    its share of the records into 16-byte entries `key (80 bits) << 48 | input << 32 | index`, so a
//!    u128 compare orders by key and breaks ties by input position (a stable sort, hence deterministic
//!    output);
//! 2. radix: entries are scattered into 65,536 buckets by their top 16 key bits, then each bucket is
//!    sorted with pdqsort (`sort_unstable`, a few hundred entries per bucket on uniform keys, so it
//!    runs in cache); buckets are split between threads by entry count, so skewed keys still balance;
//! 3. gather: threads copy records in entry order into 4 MB blocks while the calling thread writes the
//!    blocks out in order, O_DIRECT by default (output.rs); in memory, threads copy their blocks
//!    straight into the output buffer.
//! Sorting 16-byte entries instead of 100-byte records moves 6x less memory in the sort proper; the
//! price is one random read per record in the gather, which prefetching hides.

mod gather;
mod load;
mod radix;

use crate::mapped::Mapped;
use crate::output::OutputFile;
use crate::record::RECORD_BYTES;
use std::time::Instant;

pub use gather::gather_summarized;
pub use load::{MAX_INPUT_RECORDS, MAX_INPUTS, check_inputs};

#[derive(Debug, Clone)]
pub struct SortStats {
    pub records: u64,
    pub bytes: u64,
    pub load_sec: f64,
    pub sort_sec: f64,
    pub write_sec: f64,
    pub total_sec: f64,
}

impl SortStats {
    pub fn to_json(&self) -> String {
        format!(
            "{{\"records\":{},\"bytes\":{},\"loadSec\":{:.3},\"sortSec\":{:.3},\"writeSec\":{:.3},\"totalSec\":{:.3}}}",
            self.records, self.bytes, self.load_sec, self.sort_sec, self.write_sec, self.total_sec
        )
    }
}

pub struct SortOptions {
    pub threads: usize,
    /// O_DIRECT output (the default; see output.rs for why), or buffered writes through the page cache.
    pub direct: bool,
    /// fdatasync the output before returning (GraySort's "durably in files"); off by default, as the
    /// baselines it is compared with (sort, DuckDB) do not sync either.
    pub sync: bool,
}

/// Steps 1 and 2 over slices: the entries of every record, in sorted order.
pub fn sorted_order(inputs: &[&[u8]], threads: usize) -> std::io::Result<(Vec<u128>, Instant)> {
    let loaded = load::build_entries(inputs, threads)?;
    let loaded_at = Instant::now();
    Ok((radix::sort_entries(loaded.entries, &loaded.histograms, threads), loaded_at))
}

/// Sorts the concatenation of `inputs` into `output`.
pub fn sort_files(inputs: &[String], output: &str, options: &SortOptions) -> std::io::Result<SortStats> {
    let started = Instant::now();
    let threads = options.threads.max(1);
    let mapped = load::map_inputs(inputs)?;
    let slices: Vec<&[u8]> = mapped.iter().map(Mapped::as_slice).collect();
    let (order, loaded_at) = sorted_order(&slices, threads)?;
    let sorted_at = Instant::now();
    let mut out = OutputFile::create(output, options.direct)?;
    gather::write_in_order(&slices, &order, threads, &mut out)?;
    if options.sync {
        out.sync()?;
    }
    out.finish()?;
    let done = Instant::now();
    Ok(SortStats {
        records: order.len() as u64,
        bytes: order.len() as u64 * RECORD_BYTES as u64,
        load_sec: (loaded_at - started).as_secs_f64(),
        sort_sec: (sorted_at - loaded_at).as_secs_f64(),
        write_sec: (done - sorted_at).as_secs_f64(),
        total_sec: (done - started).as_secs_f64(),
    })
}

/// Seconds spent in each step of an in-memory sort.
#[derive(Debug, Clone, Copy)]
pub struct SliceSortStats {
    pub load_sec: f64,
    pub sort_sec: f64,
    pub gather_sec: f64,
    pub total_sec: f64,
}

/// Sorts the concatenation of `inputs` into `out`, which must be exactly as long as all inputs
/// together; the same order as `sort_files` (stable: ties keep input order).
pub fn sort_slices(inputs: &[&[u8]], out: &mut [u8], threads: usize) -> std::io::Result<SliceSortStats> {
    let started = Instant::now();
    let total: usize = inputs.iter().map(|d| d.len()).sum();
    if out.len() != total {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("output is {} bytes, the inputs {total}", out.len())));
    }
    let threads = threads.max(1);
    let (order, loaded_at) = sorted_order(inputs, threads)?;
    let sorted_at = Instant::now();
    gather::gather_into(inputs, &order, threads, out);
    crate::memory::recycle_entries(order);
    let done = Instant::now();
    Ok(SliceSortStats {
        load_sec: (loaded_at - started).as_secs_f64(),
        sort_sec: (sorted_at - loaded_at).as_secs_f64(),
        gather_sec: (done - sorted_at).as_secs_f64(),
        total_sec: (done - started).as_secs_f64(),
    })
}
