//! The streaming half of the in-memory C ABI (system/graysort/sort-library.ts): a sort whose output
//! is gathered block by block into small caller buffers, each written out while the next is gathered,
//! instead of into one buffer as large as the partition. That saves the caller a partition-sized
//! output buffer (in a fresh buffer every 4 KiB page costs a fault and a zeroing) and lets writing
//! start as soon as the order is known. Each gathered block comes with its valsort summary, and
//! `fst_summary_merge` joins consecutive summaries, so the whole output is still validated from the
//! bytes actually produced.
//!
//! Return codes as in ffi.rs (-1 record length, -2 argument, -3 internal).
//!
//! A job holds raw pointers to the caller's input buffers: they must stay valid and unmodified from
//! `fst_sort_order` until `fst_sort_free`.

use crate::ffi::{FST_ERR_ARGUMENT, FST_ERR_INTERNAL, FST_ERR_RECORD_LENGTH, FST_MAX_THREADS, input_slice, input_slice_of, output_slice, overlaps, sort_inputs};
use crate::record::RECORD_BYTES;
use crate::memory::recycle_entries;
use crate::sort::{gather_summarized, sorted_order};
use crate::summary::{KeyCompare, SUMMARY_BYTES, Summary};
use std::time::Instant;

/// A sorted order over the caller's inputs, between `fst_sort_order` and `fst_sort_free`.
struct SortJob {
    inputs: Vec<(*const u8, usize)>,
    order: Vec<u128>,
}

impl SortJob {
    /// # Safety
    /// The inputs must still be valid (the ABI contract above).
    unsafe fn slices(&self) -> Vec<&[u8]> {
        // SAFETY: checked non-null (or empty) when the job was made; valid per the contract.
        self.inputs.iter().map(|&(p, l)| unsafe { input_slice(p, l) }.unwrap_or(&[])).collect()
    }
}

/// Sorts the concatenation of the inputs (as `fst_sort`) into an order kept in a job; writes the job
/// handle to `job_out` and the record count to `records_out`, and, when `stats_out` is not null, the
/// load and sort seconds (2 f64).
///
/// # Safety
/// As `fst_sort` for the inputs, which must also outlive the job; `job_out` and `records_out`
/// writable for one u64 each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fst_sort_order(inputs: *const *const u8, lens: *const usize, n_inputs: u32, threads: u32, job_out: *mut u64, records_out: *mut u64, stats_out: *mut f64) -> i32 {
    if (n_inputs > 0 && (inputs.is_null() || lens.is_null())) || job_out.is_null() || records_out.is_null() || threads == 0 || threads > FST_MAX_THREADS {
        return FST_ERR_ARGUMENT;
    }
    let n = n_inputs as usize;
    // SAFETY: both arrays hold n_inputs entries (caller's contract), checked non-null when n > 0.
    let (ptrs, sizes) = unsafe { (input_slice_of(inputs, n), input_slice_of(lens, n)) };
    if sizes.iter().any(|&l| l % RECORD_BYTES != 0) {
        return FST_ERR_RECORD_LENGTH;
    }
    // SAFETY: each input is readable for its length (caller's contract).
    let slices = match unsafe { sort_inputs(ptrs, sizes) } {
        Ok(slices) => slices,
        Err(code) => return code,
    };
    let started = Instant::now();
    let Ok((order, loaded_at)) = sorted_order(&slices, threads as usize) else { return FST_ERR_INTERNAL };
    let done = Instant::now();
    let records = order.len() as u64;
    let job = Box::new(SortJob { inputs: ptrs.iter().copied().zip(sizes.iter().copied()).collect(), order });
    // SAFETY: the out pointers are writable (caller's contract), perhaps unaligned.
    unsafe {
        job_out.write_unaligned(Box::into_raw(job) as u64);
        records_out.write_unaligned(records);
        if !stats_out.is_null() {
            stats_out.write_unaligned((loaded_at - started).as_secs_f64());
            stats_out.add(1).write_unaligned((done - loaded_at).as_secs_f64());
        }
    }
    0
}

/// Gathers sorted records [first_record, first_record + records) of `job` into `out` (`out_len` =
/// records x 100) on `threads` threads, and writes their valsort summary (280 bytes) to `summary_out`.
///
/// # Safety
/// `job` from `fst_sort_order` and not yet freed; `out` writable for `out_len` bytes and overlapping no
/// input; `summary_out` writable for 280 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fst_sort_gather(job: u64, first_record: u64, records: u64, out: *mut u8, out_len: usize, threads: u32, summary_out: *mut u8) -> i32 {
    if job == 0 || summary_out.is_null() || threads == 0 || threads > FST_MAX_THREADS || records == 0 {
        return FST_ERR_ARGUMENT;
    }
    // SAFETY: a live job handle (caller's contract).
    let job = unsafe { &*(job as *const SortJob) };
    let Some(end) = first_record.checked_add(records) else { return FST_ERR_ARGUMENT };
    if end > job.order.len() as u64 || (records as usize).checked_mul(RECORD_BYTES) != Some(out_len) {
        return FST_ERR_ARGUMENT;
    }
    if job.inputs.iter().any(|&(p, l)| overlaps(p, l, out, out_len)) {
        return FST_ERR_ARGUMENT;
    }
    // SAFETY: out is writable for out_len bytes and overlaps no input (checked above).
    let Some(out) = (unsafe { output_slice(out, out_len) }) else { return FST_ERR_ARGUMENT };
    // SAFETY: the job's inputs are still valid (caller's contract).
    let slices = unsafe { job.slices() };
    let summary = gather_summarized(&slices, &job.order[first_record as usize..end as usize], threads as usize, out);
    // SAFETY: summary_out is writable for 280 bytes; a local array cannot overlap it.
    unsafe { std::ptr::copy_nonoverlapping(summary.to_bytes().as_ptr(), summary_out, SUMMARY_BYTES) };
    0
}

/// Frees a job (0 is ignored). After this its inputs may be reused.
///
/// # Safety
/// `job` from `fst_sort_order`, freed at most once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fst_sort_free(job: u64) {
    if job != 0 {
        // SAFETY: made by Box::into_raw in fst_sort_order and not freed before (caller's contract).
        let job = unsafe { Box::from_raw(job as *mut SortJob) };
        // The next sort of this process takes the order's memory instead of mapping fresh pages.
        recycle_entries(job.order);
    }
}

/// The summary of records `first` followed by records `next` (valsort -s over the two), into `out`.
///
/// # Safety
/// `first` and `next` readable for 280 bytes, `out` writable for 280 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fst_summary_merge(first: *const u8, next: *const u8, out: *mut u8) -> i32 {
    if first.is_null() || next.is_null() || out.is_null() {
        return FST_ERR_ARGUMENT;
    }
    // SAFETY: each is readable for 280 bytes (caller's contract).
    let (a, b) = unsafe { (std::slice::from_raw_parts(first, SUMMARY_BYTES), std::slice::from_raw_parts(next, SUMMARY_BYTES)) };
    let merged = Summary::from_bytes(a).then(&Summary::from_bytes(b), KeyCompare::Bytes).to_bytes();
    // SAFETY: out is writable for 280 bytes; a local array cannot overlap it.
    unsafe { std::ptr::copy_nonoverlapping(merged.as_ptr(), out, SUMMARY_BYTES) };
    0
}
