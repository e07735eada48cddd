//! Step 3 of the sort: copy records in sorted-entry order into 4 KiB-aligned blocks (several threads)
//! and write the blocks in order (the calling thread), O_DIRECT where the file allows.

use super::load::record_of;
use crate::mapped::Mapped;
use crate::memory::AlignedBuf;
use crate::output::OutputFile;
use crate::pipeline::ordered_blocks;
use crate::record::RECORD_BYTES;

/// 4,096,000-byte output blocks: 4 KiB multiples for O_DIRECT, big writes, and small enough that the
/// writer starts early.
const BLOCK_RECORDS: usize = 40_960;
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

pub fn write_in_order(inputs: &[Mapped], order: &[u128], threads: usize, out: &mut OutputFile) -> std::io::Result<()> {
    let blocks = order.len().div_ceil(BLOCK_RECORDS);
    ordered_blocks(
        blocks,
        threads,
        || (AlignedBuf::zeroed(BLOCK_RECORDS * RECORD_BYTES), 0usize),
        |b, (buf, len)| {
            let entries = &order[b * BLOCK_RECORDS..((b + 1) * BLOCK_RECORDS).min(order.len())];
            *len = entries.len() * RECORD_BYTES;
            let dst = buf.as_mut_slice();
            for (i, &e) in entries.iter().enumerate() {
                if let Some(&ahead) = entries.get(i + PREFETCH_AHEAD) {
                    let rec = record_of(inputs, ahead);
                    prefetch(rec.as_ptr());
                    prefetch(rec[RECORD_BYTES - 1..].as_ptr());
                }
                dst[i * RECORD_BYTES..(i + 1) * RECORD_BYTES].copy_from_slice(record_of(inputs, e));
            }
            Ok(())
        },
        |_, (buf, len)| out.write_block(&buf.as_slice()[..*len]),
    )
}
