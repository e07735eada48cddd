//! Step 2 of the sort: scatter entries into buckets by their top key bits (one thread per histogram
//! share), then sort every bucket, with the buckets split between threads by entry count.

use super::load::{BUCKETS, bucket_of};
use crate::memory::{entries_zeroed, recycle_entries};
use std::thread;

/// A raw pointer the scatter threads share; each writes only the slots its own offsets hand out.
struct SharedOut(*mut u128);
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}
impl SharedOut {
    fn ptr(&self) -> *mut u128 {
        self.0
    }
}

pub fn sort_entries(entries: Vec<u128>, histograms: &[Vec<u32>], threads: usize) -> Vec<u128> {
    let n = entries.len();
    let shares = histograms.len();
    // Bucket b holds share 0's entries of b, then share 1's, ...: where each share starts writing.
    let mut bucket_start = vec![0usize; BUCKETS + 1];
    let mut offsets = vec![vec![0usize; BUCKETS]; shares];
    let mut pos = 0usize;
    for b in 0..BUCKETS {
        bucket_start[b] = pos;
        for s in 0..shares {
            offsets[s][b] = pos;
            pos += histograms[s][b] as usize;
        }
    }
    bucket_start[BUCKETS] = pos;
    assert_eq!(pos, n, "histograms must count every entry");

    let mut out = entries_zeroed(n);
    let shared = SharedOut(out.as_mut_ptr());
    thread::scope(|scope| {
        for (s, mut offset) in offsets.into_iter().enumerate() {
            let part = &entries[n * s / shares..n * (s + 1) / shares];
            let shared = &shared;
            scope.spawn(move || {
                let base = shared.ptr();
                for &e in part {
                    let b = bucket_of(e);
                    // SAFETY: offsets of different shares and buckets are disjoint ranges inside
                    // `out` (they were laid out from the same histograms this share was counted into),
                    // so every slot is written by exactly one thread, once, and `out` outlives the scope.
                    unsafe { *base.add(offset[b]) = e };
                    offset[b] += 1;
                }
            });
        }
    });
    recycle_entries(entries);
    sort_buckets(&mut out, &bucket_start, threads);
    out
}

/// Sorts every bucket in place; thread g gets consecutive buckets holding about n/threads entries.
fn sort_buckets(out: &mut [u128], bucket_start: &[usize], threads: usize) {
    let n = out.len();
    let mut groups: Vec<(usize, usize)> = Vec::new(); // bucket ranges
    let mut first = 0usize;
    for g in 1..=threads {
        let target = n * g / threads;
        let mut last = first;
        while last < BUCKETS && (bucket_start[last + 1] <= target || g == threads) {
            last += 1;
        }
        groups.push((first, last));
        first = last;
    }
    thread::scope(|scope| {
        let mut rest: &mut [u128] = out;
        let mut consumed = 0usize;
        for (from, to) in groups {
            let end = bucket_start[to];
            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(end - consumed);
            rest = tail;
            let base = consumed;
            consumed = end;
            scope.spawn(move || {
                for b in from..to {
                    let range = bucket_start[b] - base..bucket_start[b + 1] - base;
                    if range.len() > 1 {
                        mine[range].sort_unstable();
                    }
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::load::bucket_of;
    use super::*;
    const SCATTER_SHARES: usize = 2;

    #[test]
    fn sorts_like_the_standard_library() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut entries: Vec<u128> = (0..50_000u32)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Skewed: a third of the keys share their top bits.
                let key = if i % 3 == 0 { x >> 40 } else { x };
                ((key as u128) << 64) | i as u128
            })
            .collect();
        let mut histograms = vec![vec![0u32; BUCKETS]; SCATTER_SHARES];
        let n = entries.len();
        for (i, &e) in entries.iter().enumerate() {
            histograms[i * SCATTER_SHARES / n][bucket_of(e)] += 1;
        }
        for threads in [1, 2, 3] {
            let sorted = sort_entries(entries.clone(), &histograms, threads);
            let mut expected = entries.clone();
            expected.sort();
            assert_eq!(sorted, expected, "threads={threads}");
        }
        entries.clear();
    }
}
