//! The in-memory C ABI (src/ffi.rs) against the file-based tools it must agree with: partitions as
//! `partition_file` makes them, sorted bytes as `sort_files` writes them, summaries as valsort -o
//! writes them, and the documented error codes for bad arguments.

use flyer_sort_tools::ffi::{FST_ABI_VERSION, FST_ERR_ARGUMENT, FST_ERR_RECORD_LENGTH, fst_abi_version, fst_partition, fst_sort, fst_summary};
use flyer_sort_tools::partition::{KeySpace, part_path, partition_file};
use flyer_sort_tools::record::{GenOptions, KEY_BYTES, RECORD_BYTES, RecordKind, generate};
use flyer_sort_tools::sort::{SortOptions, sort_files};
use flyer_sort_tools::summary::{KeyCompare, Summary};
use flyer_sort_tools::valsort_cmd::summarize_records;
use std::path::PathBuf;
use std::ptr;

fn records(count: usize, start: u128, kind: RecordKind) -> Vec<u8> {
    let mut out = vec![0u8; count * RECORD_BYTES];
    generate(start, &mut out, GenOptions { kind, skewed: false });
    out
}

/// Records with many equal keys (every key repeated, payloads differ), so tie order matters.
fn with_duplicate_keys(mut data: Vec<u8>) -> Vec<u8> {
    let n = data.len() / RECORD_BYTES;
    for i in (1..n).step_by(3) {
        let key: [u8; KEY_BYTES] = data[(i - 1) * RECORD_BYTES..][..KEY_BYTES].try_into().unwrap();
        data[i * RECORD_BYTES..][..KEY_BYTES].copy_from_slice(&key);
    }
    data
}

/// A scratch directory removed when dropped.
struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("flyer-fst-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn partition(input: &[u8], parts: u32, key_space: u32) -> (Vec<u8>, Vec<u64>) {
    let mut out = vec![0u8; input.len()];
    let mut counts = vec![u64::MAX; parts as usize];
    let rc = unsafe { fst_partition(input.as_ptr(), input.len(), parts, key_space, out.as_mut_ptr(), out.len(), counts.as_mut_ptr()) };
    assert_eq!(rc, 0);
    (out, counts)
}

#[test]
fn abi_version() {
    assert_eq!(fst_abi_version(), FST_ABI_VERSION);
    assert_eq!(FST_ABI_VERSION, 1);
}

#[test]
fn partition_groups_records_by_part_in_input_order() {
    for (kind, key_space, space) in [(RecordKind::Binary, 0, KeySpace::Binary), (RecordKind::Ascii, 1, KeySpace::Ascii)] {
        let input = records(20_000, 1234, kind);
        for parts in [1u32, 7, 300] {
            let (grouped, counts) = partition(&input, parts, key_space);
            assert_eq!(counts.iter().sum::<u64>(), 20_000, "{kind:?} {parts}");
            // The expected grouping: a stable filter of the input per part. Equality covers "every
            // record in its part", "nothing lost or duplicated" and "input order within a part".
            let mut expected = Vec::with_capacity(input.len());
            for p in 0..parts as usize {
                let before = expected.len();
                for rec in input.chunks_exact(RECORD_BYTES) {
                    if space.part_of(&rec[..KEY_BYTES], parts as usize) == p {
                        expected.extend_from_slice(rec);
                    }
                }
                assert_eq!((expected.len() - before) / RECORD_BYTES, counts[p] as usize, "{kind:?} {parts} part {p}");
            }
            assert!(grouped == expected, "{kind:?} parts={parts}: grouping differs");
        }
    }
}

#[test]
fn partition_matches_partition_file() {
    let dir = TempDir::new("partition");
    for (kind, key_space, space) in [(RecordKind::Binary, 0, KeySpace::Binary), (RecordKind::Ascii, 1, KeySpace::Ascii)] {
        let input = records(15_000, 99, kind);
        let path = dir.file("in.dat");
        std::fs::write(&path, &input).unwrap();
        let parts_dir = dir.0.join(format!("parts-{key_space}"));
        let from_file = partition_file(&path, &parts_dir, 9, &space).unwrap();
        let (grouped, counts) = partition(&input, 9, key_space);
        assert_eq!(counts, from_file.counts);
        let concatenated: Vec<u8> = (0..9).flat_map(|p| std::fs::read(part_path(&parts_dir, p)).unwrap()).collect();
        assert!(grouped == concatenated, "{kind:?}: parts differ from partition_file's");
    }
}

fn sort(inputs: &[&[u8]], threads: u32) -> (Vec<u8>, [f64; 4]) {
    let ptrs: Vec<*const u8> = inputs.iter().map(|d| d.as_ptr()).collect();
    let lens: Vec<usize> = inputs.iter().map(|d| d.len()).collect();
    let mut out = vec![0u8; lens.iter().sum()];
    let mut stats = [-1f64; 4];
    let rc = unsafe { fst_sort(ptrs.as_ptr(), lens.as_ptr(), inputs.len() as u32, out.as_mut_ptr(), out.len(), threads, stats.as_mut_ptr()) };
    assert_eq!(rc, 0);
    (out, stats)
}

#[test]
fn sort_matches_sort_files() {
    let dir = TempDir::new("sort");
    for kind in [RecordKind::Binary, RecordKind::Ascii] {
        // More than one 40,960-record gather block, duplicate keys across and within inputs.
        let data = with_duplicate_keys(records(100_000, 7, kind));
        // Stable by key (equal keys keep input order) defines the output uniquely.
        let mut reference: Vec<&[u8]> = data.chunks_exact(RECORD_BYTES).collect();
        reference.sort_by_key(|r| &r[..KEY_BYTES]);
        let reference = reference.concat();
        let cuts: [&[usize]; 2] = [&[60_000], &[0, 30_001]];
        for cut in cuts {
            let mut inputs: Vec<&[u8]> = Vec::new();
            let mut from = 0;
            for &c in cut.iter().chain([&100_000]) {
                inputs.push(&data[from * RECORD_BYTES..c * RECORD_BYTES]);
                from = c;
            }
            let paths: Vec<String> = inputs
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let p = dir.file(&format!("in-{i}.dat"));
                    std::fs::write(&p, d).unwrap();
                    p
                })
                .collect();
            let out_path = dir.file("sorted.dat");
            sort_files(&paths, &out_path, &SortOptions { threads: 2, direct: false, sync: false }).unwrap();
            let expected = std::fs::read(&out_path).unwrap();
            assert!(expected == reference, "{kind:?}: sort_files is not a stable sort by key");
            for threads in [1, 2, 3] {
                let (sorted, stats) = sort(&inputs, threads);
                assert!(sorted == expected, "{kind:?} inputs={} threads={threads}: differs from sort_files", inputs.len());
                assert!(stats.iter().all(|s| *s >= 0.0) && stats[3] >= stats[0], "stats {stats:?}");
            }
        }
    }
}

#[test]
fn sort_of_nothing_is_nothing() {
    let (sorted, _) = sort(&[&[]], 2);
    assert!(sorted.is_empty());
    let rc = unsafe { fst_sort(ptr::null(), ptr::null(), 0, ptr::null_mut(), 0, 1, ptr::null_mut()) };
    assert_eq!(rc, 0);
}

#[test]
fn summary_matches_valsort_of_the_file() {
    let dir = TempDir::new("summary");
    // Unsorted and sorted data, more than one 40,000-record block, with duplicates.
    let data = with_duplicate_keys(records(90_001, 3, RecordKind::Binary));
    let (sorted, _) = sort(&[&data], 2);
    for (name, bytes) in [("unsorted", &data), ("sorted", &sorted)] {
        let path = dir.file(&format!("{name}.dat"));
        std::fs::write(&path, bytes).unwrap();
        let expected = summarize_records(&path, KeyCompare::Bytes, 2).unwrap().to_bytes();
        // One sequential pass, independent of the block code both of the above share.
        assert_eq!(expected, Summary::of_block(bytes, KeyCompare::Bytes).to_bytes(), "{name}: blocks merge to one pass");
        for threads in [1, 3] {
            let mut out = [0u8; 280];
            assert_eq!(unsafe { fst_summary(bytes.as_ptr(), bytes.len(), threads, out.as_mut_ptr()) }, 0);
            assert_eq!(out, expected, "{name} threads={threads}");
        }
    }
}

#[test]
fn bad_arguments_return_the_documented_codes() {
    let input = records(10, 0, RecordKind::Binary);
    let mut out = vec![0u8; input.len()];
    let mut counts = [0u64; 4];
    let (i, o, c) = (input.as_ptr(), out.as_mut_ptr(), counts.as_mut_ptr());
    unsafe {
        assert_eq!(fst_partition(i, 150, 4, 0, o, out.len(), c), FST_ERR_RECORD_LENGTH);
        assert_eq!(fst_partition(i, input.len(), 0, 0, o, out.len(), c), FST_ERR_ARGUMENT);
        assert_eq!(fst_partition(i, input.len(), 4, 2, o, out.len(), c), FST_ERR_ARGUMENT);
        assert_eq!(fst_partition(i, input.len(), 4, 0, o, input.len() - 100, c), FST_ERR_ARGUMENT);
        assert_eq!(fst_partition(i, input.len(), 4, 0, o, out.len(), ptr::null_mut()), FST_ERR_ARGUMENT);
        assert_eq!(fst_partition(ptr::null(), input.len(), 4, 0, o, out.len(), c), FST_ERR_ARGUMENT);
        assert_eq!(fst_partition(i, input.len(), 4, 0, ptr::null_mut(), out.len(), c), FST_ERR_ARGUMENT);
        assert_eq!(fst_partition(i, input.len(), 4, 0, i as *mut u8, input.len(), c), FST_ERR_ARGUMENT, "in place");

        let lens = [input.len(), 150];
        let ptrs = [i, i];
        let mut big = vec![0u8; 2 * input.len()];
        assert_eq!(fst_sort(ptrs.as_ptr(), lens.as_ptr(), 2, big.as_mut_ptr(), input.len() + 150, 1, ptr::null_mut()), FST_ERR_RECORD_LENGTH);
        let lens = [input.len(), input.len()];
        assert_eq!(fst_sort(ptrs.as_ptr(), lens.as_ptr(), 2, big.as_mut_ptr(), big.len() - 100, 1, ptr::null_mut()), FST_ERR_ARGUMENT);
        assert_eq!(fst_sort(ptrs.as_ptr(), lens.as_ptr(), 2, big.as_mut_ptr(), big.len(), 0, ptr::null_mut()), FST_ERR_ARGUMENT);
        assert_eq!(fst_sort(ptr::null(), lens.as_ptr(), 2, big.as_mut_ptr(), big.len(), 1, ptr::null_mut()), FST_ERR_ARGUMENT);
        assert_eq!(fst_sort(ptrs.as_ptr(), lens.as_ptr(), 2, i as *mut u8, big.len(), 1, ptr::null_mut()), FST_ERR_ARGUMENT, "overlap");
        assert_eq!(fst_sort(ptrs.as_ptr(), lens.as_ptr(), 2, big.as_mut_ptr(), big.len(), 1, ptr::null_mut()), 0);

        let mut sum = [0u8; 280];
        assert_eq!(fst_summary(i, 0, 1, sum.as_mut_ptr()), FST_ERR_ARGUMENT, "no records");
        assert_eq!(fst_summary(i, 150, 1, sum.as_mut_ptr()), FST_ERR_RECORD_LENGTH);
        assert_eq!(fst_summary(i, input.len(), 0, sum.as_mut_ptr()), FST_ERR_ARGUMENT);
        assert_eq!(fst_summary(i, input.len(), 1, ptr::null_mut()), FST_ERR_ARGUMENT);
        assert_eq!(fst_summary(ptr::null(), input.len(), 1, sum.as_mut_ptr()), FST_ERR_ARGUMENT);
    }
}
