//! Step 3 of the sort: copy records in sorted-entry order, block by block, on several threads. To a
//! file, the blocks are 4 KiB-aligned buffers the calling thread writes in order (O_DIRECT where the
//! file allows); in memory, every thread copies its blocks straight into the caller's output.

use super::load::record_of;
use crate::memory::AlignedBuf;
use crate::output::OutputFile;
use crate::pipeline::ordered_blocks;
use crate::record::RECORD_BYTES;
use crate::summary::{KeyCompare, Summary};
use std::thread;

/// 4,096,000-byte output blocks: 4 KiB multiples for O_DIRECT, big writes, and small enough that the
/// writer starts early.
const BLOCK_RECORDS: usize = 40_960;
const BLOCK_BYTES: usize = BLOCK_RECORDS * RECORD_BYTES;
/// How far ahead to prefetch: enough records to cover a memory latency at the copy rate.
const PREFETCH_AHEAD: usize = 16;

#[inline(always)]
fn prefetch(ptr: *const u8) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unused_unsafe)]
    // SAFETY: a prefetch is a hint and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(ptr as *const i8, std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

/// Copies the records of `entries`, in order, into `dst` (exactly `entries.len()` records long).
fn gather_block(inputs: &[&[u8]], entries: &[u128], dst: &mut [u8]) {
    debug_assert_eq!(dst.len(), entries.len() * RECORD_BYTES);
    for (i, (&e, slot)) in entries.iter().zip(dst.chunks_exact_mut(RECORD_BYTES)).enumerate() {
        if let Some(&ahead) = entries.get(i + PREFETCH_AHEAD) {
            let rec = record_of(inputs, ahead);
            prefetch(rec.as_ptr());
            prefetch(rec[RECORD_BYTES - 1..].as_ptr());
        }
        slot.copy_from_slice(record_of(inputs, e));
    }
}

pub fn write_in_order(inputs: &[&[u8]], order: &[u128], threads: usize, out: &mut OutputFile) -> std::io::Result<()> {
    let blocks = order.len().div_ceil(BLOCK_RECORDS);
    ordered_blocks(
        blocks,
        threads,
        || (AlignedBuf::zeroed(BLOCK_BYTES), 0usize),
        |b, (buf, len)| {
            let entries = &order[b * BLOCK_RECORDS..((b + 1) * BLOCK_RECORDS).min(order.len())];
            *len = entries.len() * RECORD_BYTES;
            gather_block(inputs, entries, &mut buf.as_mut_slice()[..*len]);
            Ok(())
        },
        |_, (buf, len)| out.write_block(&buf.as_slice()[..*len]),
    )
}

/// Copies the records in `order` into `out` (exactly `order.len()` records long); thread t takes
/// blocks t, t + threads, ..., so skew in where the records come from spreads over the threads.
pub fn gather_into(inputs: &[&[u8]], order: &[u128], threads: usize, out: &mut [u8]) {
    on_blocks(order, threads, out, |entries, dst| gather_block(inputs, entries, dst));
}

/// Records gathered and then summarised as one run: the summary reads them back while they are still
/// in the core's cache (a 4 MB block is not).
const SUMMARY_RUN_RECORDS: usize = 1024;

/// As `gather_into`, and the valsort summary of the records gathered (`order` must not be empty). The
/// gathering threads checksum their own blocks, so the summary costs a share of every thread instead
/// of a pass of one thread after the gather.
pub fn gather_summarized(inputs: &[&[u8]], order: &[u128], threads: usize, out: &mut [u8]) -> Summary {
    assert!(!order.is_empty(), "a summary needs at least one record");
    let blocks = on_blocks(order, threads, out, |entries, dst| {
        let mut summary: Option<Summary> = None;
        for (run, run_dst) in entries.chunks(SUMMARY_RUN_RECORDS).zip(dst.chunks_mut(SUMMARY_RUN_RECORDS * RECORD_BYTES)) {
            gather_block(inputs, run, run_dst);
            let next = Summary::of_block(run_dst, KeyCompare::Bytes);
            summary = Some(match summary {
                None => next,
                Some(before) => before.then(&next, KeyCompare::Bytes),
            });
        }
        summary.expect("blocks are never empty")
    });
    let mut blocks = blocks.into_iter();
    let first = blocks.next().expect("at least one block");
    blocks.fold(first, |before, next| before.then(&next, KeyCompare::Bytes))
}

/// Runs `work` over every block of `order` and its slice of `out` on up to `threads` threads (block b
/// on thread b mod threads) and returns the results in block order.
fn on_blocks<T: Send>(order: &[u128], threads: usize, out: &mut [u8], work: impl Fn(&[u128], &mut [u8]) -> T + Sync) -> Vec<T> {
    assert_eq!(out.len(), order.len() * RECORD_BYTES, "output must hold exactly the sorted records");
    let threads = threads.clamp(1, order.len().div_ceil(BLOCK_RECORDS).max(1));
    let mut shares: Vec<Vec<(usize, &[u128], &mut [u8])>> = (0..threads).map(|_| Vec::new()).collect();
    for (b, (entries, dst)) in order.chunks(BLOCK_RECORDS).zip(out.chunks_mut(BLOCK_BYTES)).enumerate() {
        shares[b % threads].push((b, entries, dst));
    }
    let work = &work;
    let mut results: Vec<(usize, T)> = thread::scope(|scope| {
        let running: Vec<_> = shares
            .into_iter()
            .map(|share| scope.spawn(move || share.into_iter().map(|(b, entries, dst)| (b, work(entries, dst))).collect::<Vec<_>>()))
            .collect();
        running.into_iter().flat_map(|thread| thread.join().expect("gather threads do not panic")).collect()
    });
    results.sort_unstable_by_key(|&(b, _)| b);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::{BLOCK_RECORDS, SUMMARY_RUN_RECORDS, gather_into, gather_summarized};
    use crate::record::RECORD_BYTES;
    use crate::sort::sorted_order;
    use crate::summary::{KeyCompare, Summary};

    /// Records with keys drawn from a small alphabet, so duplicates occur.
    fn records(n: usize, seed: u64) -> Vec<u8> {
        let mut state = seed;
        let mut out = vec![0u8; n * RECORD_BYTES];
        for byte in out.iter_mut() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *byte = b'A' + (state >> 61) as u8;
        }
        out
    }

    #[test]
    fn summarised_gather_matches_gather_then_summary() {
        // Sizes around the run and block boundaries, and two inputs so entries point into both.
        for n in [1, SUMMARY_RUN_RECORDS - 1, SUMMARY_RUN_RECORDS + 1, BLOCK_RECORDS, 2 * BLOCK_RECORDS + 7] {
            let (a, b) = (records(n / 2, n as u64), records(n - n / 2, 7 * n as u64 + 1));
            let inputs: Vec<&[u8]> = vec![&a, &b];
            let (order, _) = sorted_order(&inputs, 2).unwrap();
            let mut plain = vec![0u8; n * RECORD_BYTES];
            gather_into(&inputs, &order, 2, &mut plain);
            let expected = Summary::of_block(&plain, KeyCompare::Bytes);
            for threads in [1, 2, 3] {
                let mut out = vec![0u8; n * RECORD_BYTES];
                let summary = gather_summarized(&inputs, &order, threads, &mut out);
                assert!(out == plain, "n={n} threads={threads}: gathered bytes differ");
                assert_eq!(summary, expected, "n={n} threads={threads}");
            }
            // A part of the order, as the streaming C ABI gathers it, summarises that part.
            if n > 3 {
                let part = &order[1..n - 1];
                let mut out = vec![0u8; part.len() * RECORD_BYTES];
                let summary = gather_summarized(&inputs, part, 2, &mut out);
                assert_eq!(summary, Summary::of_block(&plain[RECORD_BYTES..(n - 1) * RECORD_BYTES], KeyCompare::Bytes));
            }
        }
    }
}
