//! The streaming sort (src/ffi_stream.rs): gathering the sorted order block by block gives exactly the
//! bytes `fst_sort` gives in one piece, and the merged block summaries equal the summary of the whole.

use flyer_sort_tools::ffi::{FST_ERR_ARGUMENT, fst_sort, fst_summary};
use flyer_sort_tools::ffi_stream::{fst_sort_free, fst_sort_gather, fst_sort_order, fst_summary_merge};
use flyer_sort_tools::record::{GenOptions, KEY_BYTES, RECORD_BYTES, RecordKind, generate};
use flyer_sort_tools::summary::SUMMARY_BYTES;
use std::ptr;

fn records(count: usize, start: u128, kind: RecordKind) -> Vec<u8> {
    let mut out = vec![0u8; count * RECORD_BYTES];
    generate(start, &mut out, GenOptions { kind, skewed: false });
    // Every third key repeats its predecessor's, so tie order is exercised too.
    for i in (1..count).step_by(3) {
        let key: [u8; KEY_BYTES] = out[(i - 1) * RECORD_BYTES..][..KEY_BYTES].try_into().unwrap();
        out[i * RECORD_BYTES..][..KEY_BYTES].copy_from_slice(&key);
    }
    out
}

#[test]
fn gathered_blocks_equal_the_one_piece_sort_and_their_summaries_merge_to_the_whole() {
    let a = records(25_000, 0, RecordKind::Ascii);
    let b = records(17_001, 1_000_000, RecordKind::Ascii);
    let ptrs = [a.as_ptr(), b.as_ptr()];
    let lens = [a.len(), b.len()];
    let mut whole = vec![0u8; a.len() + b.len()];
    assert_eq!(unsafe { fst_sort(ptrs.as_ptr(), lens.as_ptr(), 2, whole.as_mut_ptr(), whole.len(), 2, ptr::null_mut()) }, 0);
    let mut whole_summary = [0u8; SUMMARY_BYTES];
    assert_eq!(unsafe { fst_summary(whole.as_ptr(), whole.len(), 2, whole_summary.as_mut_ptr()) }, 0);

    let (mut job, mut count, mut stats) = (0u64, 0u64, [0f64; 2]);
    assert_eq!(unsafe { fst_sort_order(ptrs.as_ptr(), lens.as_ptr(), 2, 2, &mut job, &mut count, stats.as_mut_ptr()) }, 0);
    assert_eq!(count as usize, whole.len() / RECORD_BYTES);
    let mut streamed = Vec::new();
    let mut merged: Option<[u8; SUMMARY_BYTES]> = None;
    let block = 7_777u64; // not a divisor: the last block is short
    let mut first = 0u64;
    while first < count {
        let n = block.min(count - first);
        let mut out = vec![0u8; n as usize * RECORD_BYTES];
        let mut summary = [0u8; SUMMARY_BYTES];
        assert_eq!(unsafe { fst_sort_gather(job, first, n, out.as_mut_ptr(), out.len(), 2, summary.as_mut_ptr()) }, 0);
        streamed.extend_from_slice(&out);
        merged = Some(match merged {
            None => summary,
            Some(before) => {
                let mut joined = [0u8; SUMMARY_BYTES];
                assert_eq!(unsafe { fst_summary_merge(before.as_ptr(), summary.as_ptr(), joined.as_mut_ptr()) }, 0);
                joined
            }
        });
        first += n;
    }
    // Past the end, zero records and an output of the wrong size are refused.
    let mut small = vec![0u8; RECORD_BYTES];
    let mut summary = [0u8; SUMMARY_BYTES];
    assert_eq!(unsafe { fst_sort_gather(job, count, 1, small.as_mut_ptr(), small.len(), 1, summary.as_mut_ptr()) }, FST_ERR_ARGUMENT);
    assert_eq!(unsafe { fst_sort_gather(job, 0, 0, small.as_mut_ptr(), 0, 1, summary.as_mut_ptr()) }, FST_ERR_ARGUMENT);
    assert_eq!(unsafe { fst_sort_gather(job, 0, 2, small.as_mut_ptr(), small.len(), 1, summary.as_mut_ptr()) }, FST_ERR_ARGUMENT);
    unsafe { fst_sort_free(job) };
    assert!(streamed == whole, "block-by-block output equals the one-piece sort");
    assert_eq!(merged.unwrap(), whole_summary, "merged block summaries equal the whole output's");
}
