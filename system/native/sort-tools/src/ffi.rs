//! The in-memory C ABI of libflyer_sort_tools.so, for Node through koffi (system/graysort/
//! sort-library.ts): partition, sort and summarise records the caller already holds in memory, with
//! no copy beyond writing the result into a caller buffer. Same algorithms as the command-line tools,
//! hence the same bytes as `flyer-sort partition`, `flyer-sort sort` and `flyer-valsort -o`.
//!
//! Every function checks its arguments before touching memory and returns 0 on success or:
//!   -1  FST_ERR_RECORD_LENGTH  a record buffer's length is not a multiple of 100 bytes
//!   -2  FST_ERR_ARGUMENT       any other bad argument: a null pointer with a non-zero length, parts
//!                              or threads 0 or above their limit, an unknown key space, an output too
//!                              small (partition) or not exactly the input size (sort), an output that
//!                              overlaps an input, no records to summarise, more inputs or records per
//!                              input than a sort entry can number
//!   -3  FST_ERR_INTERNAL       the work itself failed (not expected for valid arguments)
//! Nothing panics on bad input (the release profile aborts on panic, which would take Node down).
//! Buffers must stay valid and unmodified by others for the whole call; outputs may be unaligned.

use crate::partition::KeySpace;
use crate::partition_slice::partition_slice;
use crate::record::RECORD_BYTES;
use crate::sort::{check_inputs, sort_slices};
use crate::summarize::{Records, summarize};
use crate::summary::{KeyCompare, SUMMARY_BYTES};

pub const FST_ABI_VERSION: u32 = 1;
pub const FST_ERR_RECORD_LENGTH: i32 = -1;
pub const FST_ERR_ARGUMENT: i32 = -2;
pub const FST_ERR_INTERNAL: i32 = -3;
/// Limits that keep a bad argument from becoming a huge allocation or thread count (an abort).
pub const FST_MAX_PARTS: u32 = 1 << 20;
pub const FST_MAX_THREADS: u32 = 1024;

/// A byte slice from C; None for a null pointer with a non-zero length. koffi may pass null for an
/// empty buffer, which is fine.
///
/// # Safety
/// A non-null `ptr` must be valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn input_slice<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    match (ptr.is_null(), len) {
        (_, 0) => Some(&[]),
        (true, _) => None,
        // SAFETY: the caller's contract above.
        (false, _) => Some(unsafe { std::slice::from_raw_parts(ptr, len) }),
    }
}

/// # Safety
/// As `input_slice`, for writes, and nothing else may access the bytes during `'a`.
pub(crate) unsafe fn output_slice<'a>(ptr: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    match (ptr.is_null(), len) {
        (_, 0) => Some(&mut []),
        (true, _) => None,
        // SAFETY: the caller's contract above.
        (false, _) => Some(unsafe { std::slice::from_raw_parts_mut(ptr, len) }),
    }
}

/// Whether two non-empty address ranges share a byte.
pub(crate) fn overlaps(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> bool {
    let (a, b) = (a as usize, b as usize);
    a_len > 0 && b_len > 0 && a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}

#[unsafe(no_mangle)]
pub extern "C" fn fst_abi_version() -> u32 {
    FST_ABI_VERSION
}

/// Groups the `len / 100` records at `input` by key range into `out` (`out_len >= len`; part 0 first,
/// input order within a part) and writes each part's record count to `counts_out[0..parts]` (u64).
/// `key_space`: 0 binary keys, 1 ASCII keys (the maps of `flyer-sort partition --key-space`).
///
/// # Safety
/// `input` readable for `len` bytes, `out` writable for `out_len` bytes, `counts_out` writable for
/// `parts` u64s, for the whole call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fst_partition(input: *const u8, len: usize, parts: u32, key_space: u32, out: *mut u8, out_len: usize, counts_out: *mut u64) -> i32 {
    if len % RECORD_BYTES != 0 {
        return FST_ERR_RECORD_LENGTH;
    }
    let space = match key_space {
        0 => KeySpace::Binary,
        1 => KeySpace::Ascii,
        _ => return FST_ERR_ARGUMENT,
    };
    if parts == 0 || parts > FST_MAX_PARTS || counts_out.is_null() || out_len < len || overlaps(input, len, out, out_len) {
        return FST_ERR_ARGUMENT;
    }
    // SAFETY: the caller's contract; the ranges were checked not to overlap.
    let (Some(input), Some(out)) = (unsafe { input_slice(input, len) }, unsafe { output_slice(out, out_len) }) else {
        return FST_ERR_ARGUMENT;
    };
    let mut counts = vec![0u64; parts as usize];
    partition_slice(input, &space, out, &mut counts);
    for (p, &c) in counts.iter().enumerate() {
        // SAFETY: counts_out holds `parts` u64s (caller's contract); JS buffers need not be 8-aligned.
        unsafe { counts_out.add(p).write_unaligned(c) };
    }
    0
}

/// Sorts the concatenation of `n_inputs` buffers (`inputs[i]`, `lens[i]` bytes each) by key into `out`
/// (`out_len` = the sum of `lens`) on `threads` threads: the order of `flyer-sort sort` over the same
/// inputs as files (stable: equal keys keep input order). When `stats_out` is not null it receives 4
/// f64: load, sort, gather and total seconds.
///
/// # Safety
/// `inputs` and `lens` readable for `n_inputs` entries, each `inputs[i]` readable for `lens[i]` bytes,
/// `out` writable for `out_len` bytes, `stats_out` null or writable for 4 f64, for the whole call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fst_sort(inputs: *const *const u8, lens: *const usize, n_inputs: u32, out: *mut u8, out_len: usize, threads: u32, stats_out: *mut f64) -> i32 {
    if n_inputs > 0 && (inputs.is_null() || lens.is_null()) {
        return FST_ERR_ARGUMENT;
    }
    let n = n_inputs as usize;
    // SAFETY: both arrays hold n_inputs entries (caller's contract), checked non-null when n > 0.
    let (ptrs, sizes) = unsafe { (input_slice_of(inputs, n), input_slice_of(lens, n)) };
    if sizes.iter().any(|&l| l % RECORD_BYTES != 0) {
        return FST_ERR_RECORD_LENGTH;
    }
    let Some(total) = sizes.iter().try_fold(0usize, |acc, &l| acc.checked_add(l)) else { return FST_ERR_ARGUMENT };
    if threads == 0 || threads > FST_MAX_THREADS || out_len != total || ptrs.iter().zip(sizes).any(|(&p, &l)| overlaps(p, l, out, out_len)) {
        return FST_ERR_ARGUMENT;
    }
    // SAFETY: each input is readable for its length (caller's contract).
    let slices = match unsafe { sort_inputs(ptrs, sizes) } {
        Ok(slices) => slices,
        Err(code) => return code,
    };
    // SAFETY: out is writable for out_len bytes and overlaps no input (checked above).
    let Some(out) = (unsafe { output_slice(out, out_len) }) else { return FST_ERR_ARGUMENT };
    let Ok(stats) = sort_slices(&slices, out, threads as usize) else { return FST_ERR_INTERNAL };
    if !stats_out.is_null() {
        for (i, v) in [stats.load_sec, stats.sort_sec, stats.gather_sec, stats.total_sec].into_iter().enumerate() {
            // SAFETY: stats_out holds 4 f64 (caller's contract), perhaps unaligned.
            unsafe { stats_out.add(i).write_unaligned(v) };
        }
    }
    0
}

/// The sort inputs as slices, checked as a sort needs them (`check_inputs`); an error code otherwise.
///
/// # Safety
/// Each `ptrs[i]` readable for `sizes[i]` bytes for `'a`.
pub(crate) unsafe fn sort_inputs<'a>(ptrs: &[*const u8], sizes: &[usize]) -> Result<Vec<&'a [u8]>, i32> {
    let mut slices: Vec<&[u8]> = Vec::with_capacity(ptrs.len());
    for (&p, &l) in ptrs.iter().zip(sizes) {
        // SAFETY: the caller's contract.
        let Some(s) = (unsafe { input_slice(p, l) }) else { return Err(FST_ERR_ARGUMENT) };
        slices.push(s);
    }
    if check_inputs(&slices).is_err() {
        return Err(FST_ERR_ARGUMENT);
    }
    Ok(slices)
}

/// A C array as a slice (empty for n = 0, whatever the pointer).
///
/// # Safety
/// A non-null `ptr` must be valid for `n` reads of T for `'a`; when n > 0 it must not be null.
pub(crate) unsafe fn input_slice_of<'a, T>(ptr: *const T, n: usize) -> &'a [T] {
    // SAFETY: the caller's contract; an empty slice needs a dangling, not a null, pointer.
    if n == 0 { &[] } else { unsafe { std::slice::from_raw_parts(ptr, n) } }
}

/// Writes valsort's 280-byte summary (`valsort -o`'s bytes: counters, first and last record) of the
/// `len / 100` records at `data` to `out`, computed on `threads` threads. `len` = 0 is -2: valsort has
/// no summary of zero records.
///
/// # Safety
/// `data` readable for `len` bytes and `out` writable for 280 bytes, for the whole call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fst_summary(data: *const u8, len: usize, threads: u32, out: *mut u8) -> i32 {
    if len % RECORD_BYTES != 0 {
        return FST_ERR_RECORD_LENGTH;
    }
    if len == 0 || data.is_null() || out.is_null() || threads == 0 || threads > FST_MAX_THREADS {
        return FST_ERR_ARGUMENT;
    }
    // SAFETY: data is readable for len bytes (caller's contract).
    let Some(data) = (unsafe { input_slice(data, len) }) else { return FST_ERR_ARGUMENT };
    let Ok(summary) = summarize(Records::Memory(data), KeyCompare::Bytes, threads as usize) else { return FST_ERR_INTERNAL };
    // SAFETY: out is writable for 280 bytes (caller's contract); a fresh local array cannot overlap it.
    unsafe { std::ptr::copy_nonoverlapping(summary.to_bytes().as_ptr(), out, SUMMARY_BYTES) };
    0
}
