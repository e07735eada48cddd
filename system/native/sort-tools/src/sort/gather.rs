//! Step 3 of the sort: copy records in sorted-entry order, block by block, on several threads. To a
//! file, the blocks are 4 KiB-aligned buffers the calling thread writes in order (O_DIRECT where the
//! file allows); in memory, every thread copies its blocks straight into the caller's output.

use super::load::record_of;
use crate::memory::AlignedBuf;
use crate::output::OutputFile;
use crate::pipeline::ordered_blocks;
use crate::record::RECORD_BYTES;
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
    assert_eq!(out.len(), order.len() * RECORD_BYTES, "output must hold exactly the sorted records");
    let threads = threads.clamp(1, order.len().div_ceil(BLOCK_RECORDS).max(1));
    let mut shares: Vec<Vec<(&[u128], &mut [u8])>> = (0..threads).map(|_| Vec::new()).collect();
    for (b, (entries, dst)) in order.chunks(BLOCK_RECORDS).zip(out.chunks_mut(BLOCK_BYTES)).enumerate() {
        shares[b % threads].push((entries, dst));
    }
    thread::scope(|scope| {
        for share in shares {
            scope.spawn(move || {
                for (entries, dst) in share {
                    gather_block(inputs, entries, dst);
                }
            });
        }
    });
}
