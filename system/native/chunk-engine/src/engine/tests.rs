//! Engine-level tests through the same entry points the C ABI uses.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::read::ReadTarget;
use super::{Engine, Options, UpdateData, UpdateRequest, VerifyReads};
use crate::crc32c;
use crate::errors::Code;
use crate::ffi_types::FceMeta;
use crate::io::completion::{self, Completion};
use crate::store::versioning::UpdateKind;
use crate::types::ChunkId;

/// The completion queue is process-wide and tests run in parallel: completions for other tests' tags
/// are parked here.
static PARKED: Mutex<Option<HashMap<u64, Completion>>> = Mutex::new(None);
static NEXT_TAG: AtomicU64 = AtomicU64::new(1);

fn wait(tag: u64) -> Completion {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        {
            let mut parked = PARKED.lock().unwrap();
            let parked = parked.get_or_insert_with(HashMap::new);
            if let Some(c) = parked.remove(&tag) {
                return c;
            }
            let mut batch = vec![Completion::new(0, 0, 0, 0, FceMeta::default(), ""); 64];
            let n = completion::harvest(&mut batch);
            for c in &batch[..n] {
                parked.insert(c.tag, *c);
            }
            if let Some(c) = parked.remove(&tag) {
                return c;
            }
        }
        assert!(Instant::now() < deadline, "no completion for tag {tag}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn check(c: Completion) -> Completion {
    assert_eq!(c.status, 0, "operation failed: {}", String::from_utf8_lossy(&c.detail[..c.detail_len as usize]));
    c
}

struct Fixture {
    dir: PathBuf,
    engine: Arc<Engine>,
    /// The chunk size updates declare (picks the size class of new slots).
    chunk_size: std::cell::Cell<u64>,
}

impl Fixture {
    fn new(name: &str, options: Options) -> Fixture {
        let dir = std::env::temp_dir().join(format!("fce-engine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let engine = Engine::open(dir.clone(), options).unwrap();
        Fixture { dir, engine, chunk_size: std::cell::Cell::new(64 << 10) }
    }

    fn reopen(&mut self, options: Options) {
        self.engine.close().unwrap();
        self.engine = Engine::open(self.dir.clone(), options).unwrap();
    }

    fn update(&self, id: ChunkId, kind: UpdateKind, offset: u64, data: &[u8], length: u64, ver: u32) -> Result<FceMeta, (Code, String)> {
        let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
        let req = UpdateRequest {
            id, kind, offset_bytes: offset, length_bytes: length, update_ver: ver, chain_ver: 1,
            chunk_size_bytes: self.chunk_size.get(), checksum: Some(crc32c::crc32c(data)), checksum_verified: false,
            data: UpdateData { ptr: data.as_ptr(), len: data.len() },
        };
        self.engine.submit_update(tag, req).map_err(|e| (e.code, e.detail))?;
        let c = wait(tag);
        if c.status != 0 {
            return Err((code_of(c.status), String::from_utf8_lossy(&c.detail[..c.detail_len as usize]).into()));
        }
        Ok(c.meta)
    }

    fn write(&self, id: ChunkId, offset: u64, data: &[u8]) -> FceMeta {
        let meta = self.update(id, UpdateKind::Write, offset, data, 0, 0).unwrap();
        self.commit(id, meta.update_ver)
    }

    fn commit(&self, id: ChunkId, ver: u32) -> FceMeta {
        let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
        self.engine.submit_commit(tag, id, ver, 1).unwrap();
        check(wait(tag)).meta
    }

    fn read(&self, id: ChunkId, offset: u64, len: usize) -> Result<Vec<u8>, Code> {
        let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
        let mut out = vec![0u8; len];
        self.engine.submit_read(tag, id, offset, ReadTarget { ptr: out.as_mut_ptr(), len }).map_err(|e| e.code)?;
        let c = wait(tag);
        if c.status != 0 {
            return Err(code_of(c.status));
        }
        Ok(out)
    }
}

/// The bytes of a successful mapped read; they stay valid while its pin is held (and the engine open).
#[derive(Debug)]
struct Mapped {
    read: super::read::MappedRead,
    len: usize,
}

impl Mapped {
    fn bytes(&self) -> &[u8] {
        if self.len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(self.read.address, self.len) } }
    }
}

impl Fixture {
    /// A mapped read, waited for: its bytes, still pinned, or the code it failed with.
    fn read_mapped(&self, id: ChunkId, offset: u64, len: usize) -> Result<Mapped, Code> {
        let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
        let read = self.engine.submit_mapped_read(tag, id, offset, len as u64).map_err(|e| e.code)?;
        let c = wait(tag);
        if c.status != 0 {
            return Err(code_of(c.status));
        }
        assert_eq!(c.value, len as u64);
        Ok(Mapped { read, len })
    }

    /// A mapped read's bytes, copied, and its pin released.
    fn read_mapped_copy(&self, id: ChunkId, offset: u64, len: usize) -> Result<Vec<u8>, Code> {
        let m = self.read_mapped(id, offset, len)?;
        let out = m.bytes().to_vec();
        self.engine.unpin(m.read.pin_token).unwrap();
        Ok(out)
    }

    fn slot_offset(&self, id: ChunkId) -> u64 {
        let loc = self.engine.locate(&id).unwrap();
        self.engine.unpin(loc.pin_token).unwrap();
        loc.offset_bytes
    }

    fn space(&self) -> crate::ffi_types::FceSpace {
        self.engine.space().unwrap()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.engine.close();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn code_of(status: i32) -> Code {
    match status {
        400 => Code::ChunkNotFound,
        402 => Code::OutOfRange,
        403 => Code::TooLarge,
        404 => Code::ChecksumMismatch,
        405 => Code::PayloadChecksum,
        406 => Code::NoSpace,
        other => panic!("unexpected status {other}"),
    }
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn options(direct: bool) -> Options {
    Options { direct_io: direct, checkpoint_bytes: 64 << 10, io_threads: 8, ..Options::default() }
}

#[test]
fn write_commit_read_and_replay() {
    for direct in [true, false] {
        let mut f = Fixture::new(if direct { "basic-direct" } else { "basic-buffered" }, options(direct));
        f.chunk_size.set(1 << 20);
        let id = [1u8; 16];
        let data = bytes(100_000, 1);
        let pending = f.update(id, UpdateKind::Write, 0, &data, 0, 0).unwrap();
        assert_eq!((pending.commit_ver, pending.update_ver), (0, 1));
        // Not committed yet: not readable.
        assert_eq!(f.read(id, 0, 10), Err(Code::ChunkNotFound));
        let meta = f.commit(id, 1);
        assert_eq!((meta.commit_ver, meta.update_ver, meta.length_bytes), (1, 1, 100_000));
        assert_eq!(meta.crc32c, crc32c::crc32c(&data));
        assert_eq!(f.read(id, 0, data.len()).unwrap(), data);
        assert_eq!(f.read(id, 4095, 5000).unwrap(), data[4095..9095]);
        assert_eq!(f.read(id, 99_999, 2), Err(Code::OutOfRange));
        f.reopen(options(direct));
        assert_eq!(f.engine.meta(&id).unwrap(), meta);
        assert_eq!(f.read(id, 1, 99_999).unwrap(), data[1..]);
    }
}

#[test]
fn append_overwrite_truncate_keep_checksums_right() {
    let f = Fixture::new("layouts", options(true));
    let id = [2u8; 16];
    let mut expect = bytes(5000, 2);
    f.write(id, 0, &expect);
    let slot_before = f.engine.locate(&id).unwrap();
    f.engine.unpin(slot_before.pin_token).unwrap();
    // Append with a gap: in place (same slot), zero filled.
    let tail = bytes(3000, 3);
    let meta = f.write(id, 9000, &tail);
    expect.resize(9000, 0);
    expect.extend_from_slice(&tail);
    assert_eq!(meta.crc32c, crc32c::crc32c(&expect));
    let slot_after = f.engine.locate(&id).unwrap();
    f.engine.unpin(slot_after.pin_token).unwrap();
    assert_eq!(slot_before.offset_bytes, slot_after.offset_bytes, "append stays in place");
    // Overwrite in the middle: copy-on-write into another slot.
    let middle = bytes(100, 4);
    let meta = f.write(id, 10, &middle);
    expect[10..110].copy_from_slice(&middle);
    assert_eq!(meta.crc32c, crc32c::crc32c(&expect));
    assert_eq!(f.read(id, 0, expect.len()).unwrap(), expect);
    let moved = f.engine.locate(&id).unwrap();
    f.engine.unpin(moved.pin_token).unwrap();
    assert_ne!(moved.offset_bytes, slot_after.offset_bytes);
    // Shrink, then extend with zeros.
    let p = f.update(id, UpdateKind::Truncate, 0, &[], 777, 0).unwrap();
    let meta = f.commit(id, p.update_ver);
    expect.truncate(777);
    assert_eq!((meta.length_bytes, meta.crc32c), (777, crc32c::crc32c(&expect)));
    f.chunk_size.set(128 << 10);
    let p = f.update(id, UpdateKind::Truncate, 0, &[], 70_000, 0).unwrap();
    let meta = f.commit(id, p.update_ver);
    expect.resize(70_000, 0);
    assert_eq!(meta.crc32c, crc32c::crc32c(&expect));
    assert_eq!(f.read(id, 0, expect.len()).unwrap(), expect);
    // Grow past the 64 KiB slot: copy-on-write into the 128 KiB class.
    let big = bytes(100_000, 5);
    let meta = f.write(id, 0, &big);
    assert_eq!(meta.crc32c, crc32c::crc32c(&big));
    let space = f.engine.space().unwrap();
    assert_eq!(space.used_slots, 1);
    assert_eq!(space.referenced_slots, 1);
}

#[test]
fn pending_is_invisible_and_pinned_slot_survives_commit() {
    let f = Fixture::new("pins", options(true));
    let id = [3u8; 16];
    let old = bytes(8192, 6);
    f.write(id, 0, &old);
    let pin = f.engine.locate(&id).unwrap();
    let new = bytes(8192, 7);
    let p = f.update(id, UpdateKind::Replace, 0, &new, 0, 0).unwrap();
    assert_eq!((p.commit_ver, p.update_ver), (1, 2));
    assert_eq!(f.read(id, 0, 8192).unwrap(), old, "pending replace is not visible");
    f.commit(id, 2);
    assert_eq!(f.read(id, 0, 8192).unwrap(), new);
    assert_eq!(f.engine.space().unwrap().used_slots, 2, "old slot kept while pinned");
    f.engine.unpin(pin.pin_token).unwrap();
    assert_eq!(f.engine.space().unwrap().used_slots, 1);
}

#[test]
fn corruption_is_detected_not_returned() {
    let f = Fixture::new("corrupt", options(false));
    let id = [4u8; 16];
    f.write(id, 0, &bytes(10_000, 8));
    let loc = f.engine.locate(&id).unwrap();
    f.engine.unpin(loc.pin_token).unwrap();
    let path = f.dir.join("data").join("class-64k.dat");
    let mut raw = std::fs::read(&path).unwrap();
    raw[loc.offset_bytes as usize + 1234] ^= 0x40;
    std::fs::write(&path, raw).unwrap();
    assert_eq!(f.read(id, 0, 10_000), Err(Code::ChecksumMismatch));
    assert_eq!(f.read(id, 5000, 10), Err(Code::ChecksumMismatch), "partial reads verify the whole chunk");
    // Copy-on-write of a corrupt chunk fails instead of spreading the damage.
    assert_eq!(f.update(id, UpdateKind::Write, 0, b"x", 0, 0).unwrap_err().0, Code::ChecksumMismatch);
}

#[test]
fn remove_and_remove_range_give_space_back() {
    let f = Fixture::new("remove", options(true));
    f.chunk_size.set(128 << 10);
    for i in 0..40u8 {
        f.write([i; 16], 0, &bytes(70_000, i));
    }
    let space = f.engine.space().unwrap();
    assert_eq!((space.chunk_count, space.used_slots), (40, 40));
    assert!(space.reserved_bytes >= 40 * (128 << 10));
    let p = f.update([0; 16], UpdateKind::Remove, 0, &[], 0, 0).unwrap();
    let meta = f.commit([0; 16], p.update_ver);
    assert_eq!(meta.flags & crate::ffi_types::META_REMOVED, crate::ffi_types::META_REMOVED);
    assert!(f.engine.meta(&[0; 16]).is_err());
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    f.engine.submit_remove_range(tag, [0; 16], [30; 16], 1000).unwrap();
    assert_eq!(check(wait(tag)).value, 29);
    assert_eq!(f.engine.list(&[0; 16], &[255; 16], 100).unwrap().len(), 10);
    assert_eq!(f.engine.last(&[0; 16], &[35; 16]).unwrap().id, [34; 16]);
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    f.engine.submit_remove_range(tag, [0; 16], [255; 16], 1000).unwrap();
    check(wait(tag));
    let space = f.engine.space().unwrap();
    assert_eq!((space.chunk_count, space.used_slots, space.reserved_bytes), (0, 0, 0), "empty groups are punched");
}

#[test]
fn compaction_empties_sparse_groups() {
    let f = Fixture::new("compact", Options { reserve_bytes: 64 << 20, ..options(true) });
    let small = bytes(1000, 9);
    for i in 0..300u32 {
        let mut id = [0u8; 16];
        id[12..].copy_from_slice(&i.to_be_bytes());
        f.write(id, 0, &small);
    }
    // Keep 20 chunks in group 0 (ids 0..20) and free 20 slots of group 1.
    let id_of = |i: u32| { let mut id = [0u8; 16]; id[12..].copy_from_slice(&i.to_be_bytes()); id };
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    f.engine.submit_remove_range(tag, id_of(20), id_of(256), 1000).unwrap();
    check(wait(tag));
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    f.engine.submit_remove_range(tag, id_of(256), id_of(276), 1000).unwrap();
    check(wait(tag));
    let before = f.engine.space().unwrap();
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    f.engine.submit_compact(tag, 1000).unwrap();
    assert_eq!(check(wait(tag)).value, 20);
    let after = f.engine.space().unwrap();
    assert_eq!(after.used_slots, 44);
    assert!(after.reserved_bytes < before.reserved_bytes, "{} -> {}", before.reserved_bytes, after.reserved_bytes);
    for i in (0..20).chain(276..300) {
        assert_eq!(f.read(id_of(i), 0, 1000).unwrap(), small);
    }
}

#[test]
fn torn_wal_tail_is_ignored_on_replay() {
    let mut f = Fixture::new("torn", Options { checkpoint_bytes: 1 << 30, ..options(true) });
    let id = [5u8; 16];
    f.write(id, 0, &bytes(4096, 10));
    // Simulate a crash mid-write: garbage after the last record of the live segment.
    let segments = crate::store::wal::list_segments(&f.dir.join("meta")).unwrap();
    let (_, path) = segments.last().unwrap();
    let mut raw = std::fs::read(path).unwrap();
    let end = raw.iter().rposition(|b| *b != 0).unwrap() + 1;
    raw[end..end + 12].copy_from_slice(&[40, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    std::fs::write(path, raw).unwrap();
    f.reopen(Options { verify_reads: VerifyReads::Always, ..options(true) });
    assert_eq!(f.read(id, 0, 4096).unwrap(), bytes(4096, 10));
}

#[test]
fn capacity_limit_gives_no_space_then_recovers() {
    let f = Fixture::new("capacity", Options { capacity_bytes: 1 << 20, reserve_bytes: 64 << 10, reject_create_ratio: 1.0, ..options(true) });
    let data = bytes(60_000, 11);
    let mut written = 0u8;
    let err = loop {
        match f.update([written; 16], UpdateKind::Write, 0, &data, 0, 0) {
            Ok(m) => {
                f.commit([written; 16], m.update_ver);
                written += 1;
            }
            Err(e) => break e,
        }
    };
    assert_eq!(err.0, Code::NoSpace);
    assert_eq!(written, 16);
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    f.engine.submit_remove_range(tag, [0; 16], [4; 16], 10).unwrap();
    check(wait(tag));
    f.write([100; 16], 0, &data);
}

#[test]
fn aligned_payloads_are_written_without_a_copy_and_read_back() {
    let f = Fixture::new("zero-copy", options(true));
    f.chunk_size.set(4 << 20);
    for (i, len) in [4096usize, 1 << 20, (1 << 20) + 123, 5000].into_iter().enumerate() {
        let mut payload = crate::io::aligned::AlignedBuf::new(len);
        payload.copy_from_slice(&bytes(len, i as u8));
        assert_eq!(payload.as_ptr() as usize % 4096, 0);
        let id = [40 + i as u8; 16];
        let meta = f.write(id, 0, &payload);
        assert_eq!((meta.length_bytes as usize, meta.crc32c), (len, crc32c::crc32c(&payload)));
        assert_eq!(f.read(id, 0, len).unwrap(), bytes(len, i as u8));
    }
    // A wrong checksum is still caught on the zero-copy path.
    let payload = crate::io::aligned::AlignedBuf::new(8192);
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    let req = UpdateRequest {
        id: [60; 16], kind: UpdateKind::Write, offset_bytes: 0, length_bytes: 0, update_ver: 0, chain_ver: 1,
        chunk_size_bytes: 1 << 20, checksum: Some(crc32c::crc32c(&payload) ^ 1), checksum_verified: false,
        data: UpdateData { ptr: payload.as_ptr(), len: payload.len() },
    };
    f.engine.submit_update(tag, req).unwrap();
    assert_eq!(wait(tag).status, Code::PayloadChecksum.wire());
    assert_eq!(f.engine.space().unwrap().used_slots, 4, "the failed update's slot was freed");
}

#[test]
fn mapped_reads_return_committed_bytes() {
    let f = Fixture::new("mapped-basic", options(false));
    f.chunk_size.set(4 << 20);
    assert_ne!(f.space().flags & crate::ffi_types::SPACE_MAPPED_READS, 0);
    let id = [70u8; 16];
    let data = bytes(1 << 20, 70);
    let meta = f.write(id, 0, &data);
    assert_eq!(f.read_mapped_copy(id, 0, data.len()).unwrap(), data);
    assert_eq!(f.read_mapped_copy(id, 4095, 5000).unwrap(), data[4095..9095], "partial read");
    assert_eq!(f.read_mapped_copy(id, (1 << 20) - 1, 1).unwrap(), data[(1 << 20) - 1..]);
    assert_eq!(f.read_mapped_copy(id, 100, 0).unwrap(), Vec::<u8>::new());
    // The bytes lie inside the group mapping the read reports.
    let m = f.read_mapped(id, 4095, 5000).unwrap();
    let (address, region) = (m.read.address as u64, m.read.region as u64);
    assert!(address >= region && address + 5000 <= region + m.read.region_bytes);
    assert_eq!(m.read.region_bytes % 4096, 0);
    f.engine.unpin(m.read.pin_token).unwrap();
    // The completion carries the same meta as an ordinary read's.
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    let read = f.engine.submit_mapped_read(tag, id, 0, 10).unwrap();
    assert_eq!(check(wait(tag)).meta, meta);
    f.engine.unpin(read.pin_token).unwrap();
    // Same synchronous errors as submit_read.
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    assert_eq!(f.engine.submit_mapped_read(tag, id, (1 << 20) - 1, 2).unwrap_err().code, Code::OutOfRange);
    assert_eq!(f.engine.submit_mapped_read(tag, [71; 16], 0, 1).unwrap_err().code, Code::ChunkNotFound);
    let pending = f.update([72; 16], UpdateKind::Write, 0, &data[..1000], 0, 0).unwrap();
    assert_eq!(f.engine.submit_mapped_read(tag, [72; 16], 0, 1).unwrap_err().code, Code::ChunkNotFound, "pending data is not readable");
    f.commit([72; 16], pending.update_ver);
    assert_eq!(f.read_mapped_copy([72; 16], 0, 1000).unwrap(), data[..1000]);
    // Two reads of one chunk share the mapping and each hold a pin.
    let a = f.read_mapped(id, 0, 100).unwrap();
    let b = f.read_mapped(id, 0, 100).unwrap();
    assert_eq!(a.read.address, b.read.address);
    assert_eq!((a.read.pin_token, f.space().pinned_slots), (b.read.pin_token, 1));
    f.engine.unpin(a.read.pin_token).unwrap();
    assert_eq!(b.bytes(), &data[..100]);
    f.engine.unpin(b.read.pin_token).unwrap();
    assert_eq!(f.space().pinned_slots, 0);
    assert_eq!(f.engine.unpin(b.read.pin_token).unwrap_err().code, Code::InvalidArgument, "a second unpin is refused");
}

#[test]
fn mapped_reads_are_off_for_direct_engines_and_on_request() {
    for (name, opts) in [("mapped-direct", options(true)), ("mapped-off", Options { mapped_reads: false, ..options(false) })] {
        let f = Fixture::new(name, opts);
        let id = [73u8; 16];
        f.write(id, 0, &bytes(5000, 73));
        let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
        assert_eq!(f.engine.submit_mapped_read(tag, id, 0, 5000).unwrap_err().code, Code::InvalidArgument);
        assert_eq!(f.space().flags & crate::ffi_types::SPACE_MAPPED_READS, 0);
        assert_eq!(f.read(id, 0, 5000).unwrap(), bytes(5000, 73), "ordinary reads as before");
    }
}

#[test]
fn mapped_view_keeps_its_version_through_update_remove_and_reuse() {
    let f = Fixture::new("mapped-pins", Options { reserve_bytes: 64 << 10, ..options(false) });
    let id = [74u8; 16];
    let old = bytes(60_000, 74);
    f.write(id, 0, &old);
    let old_slot = f.slot_offset(id);
    let view = f.read_mapped(id, 0, old.len()).unwrap();
    // Overwrite: copy on write into a new slot; the old slot is orphaned at commit but stays pinned.
    let new = bytes(60_000, 75);
    f.write(id, 0, &new);
    assert_ne!(f.slot_offset(id), old_slot);
    assert_eq!(f.read(id, 0, new.len()).unwrap(), new);
    assert_eq!(f.read_mapped_copy(id, 0, new.len()).unwrap(), new);
    assert_eq!(f.space().used_slots, 2, "the pinned old slot is not freed");
    // New chunks of the same class never get the pinned slot.
    for i in 0..4u8 {
        f.write([80 + i; 16], 0, &bytes(60_000, 80 + i));
        assert_ne!(f.slot_offset([80 + i; 16]), old_slot);
    }
    assert_eq!(view.bytes(), &old[..], "the view still shows the version it read");
    f.engine.unpin(view.read.pin_token).unwrap();
    assert_eq!(f.space().used_slots, 5);
    // Unpinned, the slot is free again and the next allocation takes it.
    let reuse = bytes(50_000, 90);
    f.write([90; 16], 0, &reuse);
    assert_eq!(f.slot_offset([90; 16]), old_slot, "freed at the last unpin, then reused");
    assert_eq!(f.read_mapped_copy([90; 16], 0, reuse.len()).unwrap(), reuse);

    // Remove: the chunk is gone at once, its slot only at the last unpin.
    let view = f.read_mapped(id, 1000, 20_000).unwrap();
    let p = f.update(id, UpdateKind::Remove, 0, &[], 0, 0).unwrap();
    f.commit(id, p.update_ver);
    assert_eq!(f.read(id, 0, 1), Err(Code::ChunkNotFound));
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    assert_eq!(f.engine.submit_mapped_read(tag, id, 0, 1).unwrap_err().code, Code::ChunkNotFound);
    assert_eq!(f.space().used_slots, 6);
    for i in 0..3u8 {
        f.write([100 + i; 16], 0, &bytes(60_000, 100 + i));
    }
    assert_eq!(view.bytes(), &new[1000..21_000]);
    f.engine.unpin(view.read.pin_token).unwrap();
    assert_eq!(f.space().used_slots, 8);
}

#[test]
fn append_after_shrink_does_not_touch_a_pinned_longer_version() {
    let f = Fixture::new("mapped-shrink", options(false));
    let id = [75u8; 16];
    let long = bytes(50_000, 76);
    f.write(id, 0, &long);
    let slot = f.slot_offset(id);
    let view = f.read_mapped(id, 0, long.len()).unwrap();
    // Shrink stays in the slot; an append after it would rewrite bytes the view still shows.
    let p = f.update(id, UpdateKind::Truncate, 0, &[], 1000, 0).unwrap();
    f.commit(id, p.update_ver);
    assert_eq!(f.slot_offset(id), slot);
    let tail = bytes(30_000, 77);
    let meta = f.write(id, 1000, &tail);
    let mut expect = long[..1000].to_vec();
    expect.extend_from_slice(&tail);
    assert_eq!(meta.crc32c, crc32c::crc32c(&expect));
    assert_ne!(f.slot_offset(id), slot, "copy on write while a longer version is pinned");
    assert_eq!(f.read_mapped_copy(id, 0, expect.len()).unwrap(), expect);
    assert_eq!(view.bytes(), &long[..]);
    // The same for a truncate that extends (zero fill) after a shrink.
    let slot = f.slot_offset(id);
    let again = f.read_mapped(id, 0, expect.len()).unwrap();
    let p = f.update(id, UpdateKind::Truncate, 0, &[], 500, 0).unwrap();
    f.commit(id, p.update_ver);
    let p = f.update(id, UpdateKind::Truncate, 0, &[], 20_000, 0).unwrap();
    let meta = f.commit(id, p.update_ver);
    expect.truncate(500);
    expect.resize(20_000, 0);
    assert_eq!(meta.crc32c, crc32c::crc32c(&expect));
    assert_ne!(f.slot_offset(id), slot);
    assert_eq!(f.read(id, 0, expect.len()).unwrap(), expect);
    let mut before = long[..1000].to_vec();
    before.extend_from_slice(&tail);
    assert_eq!(again.bytes(), &before[..]);
    f.engine.unpin(again.read.pin_token).unwrap();
    f.engine.unpin(view.read.pin_token).unwrap();
    // Nothing pinned past the length: appends go in place again.
    let slot = f.slot_offset(id);
    let more = bytes(5000, 78);
    f.write(id, expect.len() as u64, &more);
    assert_eq!(f.slot_offset(id), slot, "in place");
    // A pin within the committed length does not stop an in-place append either.
    let view = f.read_mapped(id, 0, 100).unwrap();
    f.write(id, (expect.len() + more.len()) as u64, &more);
    assert_eq!(f.slot_offset(id), slot, "in place under a shorter pin");
    assert_eq!(view.bytes(), &expect[..100]);
    f.engine.unpin(view.read.pin_token).unwrap();
}

#[test]
fn mapped_view_survives_compaction() {
    let f = Fixture::new("mapped-compact", Options { reserve_bytes: 64 << 20, ..options(false) });
    let id_of = |i: u32| { let mut id = [0u8; 16]; id[12..].copy_from_slice(&i.to_be_bytes()); id };
    let data = |i: u32| bytes(1000, i as u8);
    for i in 0..300u32 {
        f.write(id_of(i), 0, &data(i));
    }
    for (from, to) in [(20, 256), (256, 276)] {
        let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
        f.engine.submit_remove_range(tag, id_of(from), id_of(to), 1000).unwrap();
        check(wait(tag));
    }
    let old_slot = f.slot_offset(id_of(5));
    let view = f.read_mapped(id_of(5), 0, 1000).unwrap();
    let before = f.space();
    let tag = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    f.engine.submit_compact(tag, 1000).unwrap();
    assert_eq!(check(wait(tag)).value, 20);
    assert_ne!(f.slot_offset(id_of(5)), old_slot, "moved");
    let moved = f.space();
    assert_eq!(moved.used_slots, 45, "44 live plus the pinned source");
    assert_eq!(moved.reserved_bytes, before.reserved_bytes, "the group with a pinned slot is not punched");
    assert_eq!(view.bytes(), &data(5)[..]);
    f.engine.unpin(view.read.pin_token).unwrap();
    let after = f.space();
    assert_eq!(after.used_slots, 44);
    assert!(after.reserved_bytes < before.reserved_bytes, "{} -> {}", before.reserved_bytes, after.reserved_bytes);
    for i in (0..20).chain(276..300) {
        assert_eq!(f.read_mapped_copy(id_of(i), 0, 1000).unwrap(), data(i));
    }
}

#[test]
fn mapped_reads_follow_a_growing_file() {
    // 64 KiB slots, reserved one at a time: the file grows with every chunk, across two groups.
    let f = Fixture::new("mapped-grow", Options { reserve_bytes: 64 << 10, ..options(false) });
    let id_of = |i: u32| { let mut id = [1u8; 16]; id[12..].copy_from_slice(&i.to_be_bytes()); id };
    for i in 0..300u32 {
        let data = bytes(40_000 + i as usize, i as u8);
        f.write(id_of(i), 0, &data);
        assert_eq!(f.read_mapped_copy(id_of(i), 0, data.len()).unwrap(), data);
    }
    for i in (0..300u32).step_by(37) {
        assert_eq!(f.read_mapped_copy(id_of(i), 7, 1000).unwrap(), bytes(40_000 + i as usize, i as u8)[7..1007]);
    }
    let mapped = f.engine.mapped.as_ref().unwrap();
    assert!(mapped.mapped_bytes() >= 300 * (64 << 10));
    assert!(mapped.mapped_bytes() <= std::fs::metadata(f.dir.join("data").join("class-64k.dat")).unwrap().len());
}

#[test]
fn mapped_reads_report_corruption_like_reads() {
    use std::os::unix::fs::FileExt;
    let mut f = Fixture::new("mapped-corrupt", options(false));
    let id = [76u8; 16];
    let data = bytes(100_000, 79);
    f.chunk_size.set(1 << 20);
    f.write(id, 0, &data);
    // Map it before the damage: the mapping is coherent with the file's page cache.
    assert_eq!(f.read_mapped_copy(id, 0, data.len()).unwrap(), data);
    let offset = f.slot_offset(id);
    let file = std::fs::OpenOptions::new().write(true).open(f.dir.join("data").join("class-1024k.dat")).unwrap();
    file.write_all_at(&[data[50_000] ^ 0x10], offset + 50_000).unwrap();
    assert_eq!(f.read(id, 0, data.len()), Err(Code::ChecksumMismatch));
    assert_eq!(f.read_mapped(id, 0, data.len()).unwrap_err(), Code::ChecksumMismatch);
    assert_eq!(f.read_mapped(id, 10, 10).unwrap_err(), Code::ChecksumMismatch, "partial reads verify the whole chunk");
    assert_eq!(f.space().pinned_slots, 0, "a failed mapped read unpins itself");
    // Verifying whole-chunk reads only: a partial read is not checked, exactly as an ordinary read.
    f.reopen(Options { verify_reads: VerifyReads::WholeChunkReads, ..options(false) });
    assert_eq!(f.read_mapped(id, 0, data.len()).unwrap_err(), Code::ChecksumMismatch);
    assert_eq!(f.read(id, 49_990, 20).unwrap(), f.read_mapped_copy(id, 49_990, 20).unwrap());
    assert_ne!(f.read_mapped_copy(id, 49_990, 20).unwrap(), data[49_990..50_010]);
}

#[test]
fn close_unmaps_only_without_pins() {
    let mut f = Fixture::new("mapped-close", options(false));
    let id = [77u8; 16];
    let data = bytes(70_000, 80);
    f.chunk_size.set(1 << 20);
    f.write(id, 0, &data);
    let view = f.read_mapped(id, 0, data.len()).unwrap();
    let old = f.engine.clone();
    f.reopen(options(false));
    assert!(old.mapped.as_ref().unwrap().mapped_bytes() > 0, "pinned at close: left mapped");
    assert_eq!(view.bytes(), &data[..], "still readable after close");
    assert_eq!(f.read_mapped_copy(id, 0, data.len()).unwrap(), data);
    let reopened = f.engine.clone();
    f.reopen(options(false));
    assert_eq!(reopened.mapped.as_ref().unwrap().mapped_bytes(), 0, "no pins at close: unmapped");
}
