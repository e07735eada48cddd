//! Reads always see the committed version: its slot is pinned at submission and unpinned after the
//! bytes are copied out, so a commit or remove that orphans the slot meanwhile defers freeing it. The
//! I/O itself goes through the event-loop-driven io_uring (io/ring_io.rs).
//!
//! Mapped reads (buffered engines, io/mapped.rs) copy nothing: the caller gets the address of the
//! committed bytes inside the engine's mapping of the data file, and the slot stays pinned until the
//! caller unpins it, so neither a later update (copy on write, then the old slot's free), a remove, nor
//! compaction can reuse the slot while the caller still sends those bytes. Faulting the pages in and
//! the checksum run on the I/O pool, never on the caller's thread (the event loop), and the read
//! completes through the completion queue like any other.
use std::sync::Arc;

use std::os::fd::AsRawFd;

use super::{Engine, VerifyReads, op};
use crate::crc32c;
use crate::errors::{Code, EngineError, Result};
use crate::io::aligned::AlignedBuf;
use crate::io::pool;
use crate::io::ring_io::{self, IoRequest};
use crate::sys;
use crate::types::{BLOCK_BYTES, ChunkId, Version, id_hex, round_down_block, round_up_block};
use crate::ffi_types::FceMeta;

/// Caller-owned destination; the TypeScript wrapper keeps it referenced until the completion.
#[derive(Clone, Copy)]
pub struct ReadTarget {
    pub ptr: *mut u8,
    pub len: usize,
}

// SAFETY: only this operation writes the bytes, and the owner does not touch them until completion.
unsafe impl Send for ReadTarget {}

impl ReadTarget {
    fn bytes(&mut self) -> &mut [u8] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: see the type's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Engine {
    /// The committed version of `id` and its meta, after checking that [offset, offset + len) lies in
    /// it and pinning its slot (so no update, remove or compaction reuses the bytes until unpinned). The
    /// class file is opened before pinning, so a failure leaves nothing pinned.
    fn pin_committed(&self, id: &ChunkId, offset_bytes: u64, len: u64) -> Result<(Version, FceMeta)> {
        let mut state = self.lock_state();
        let Some(entry) = state.table.get(id) else {
            fail!(Code::ChunkNotFound, "chunk {} does not exist", id_hex(id));
        };
        let Some(committed) = entry.committed else {
            fail!(Code::ChunkNotFound, "chunk {} has no committed version", id_hex(id));
        };
        let end = offset_bytes.saturating_add(len);
        if end > committed.len as u64 {
            fail!(Code::OutOfRange, "read [{offset_bytes}, {end}) past the end of chunk {} ({} bytes)", id_hex(id), committed.len);
        }
        self.files.get(committed.pos.class)?;
        state.pin(committed.pos, committed.len as u64);
        Ok((committed, state.meta(id).expect("entry exists")))
    }

    pub fn submit_read(self: &Arc<Engine>, tag: u64, id: ChunkId, offset_bytes: u64, target: ReadTarget) -> Result<()> {
        let guard = self.admit(false)?;
        let len = target.len as u64;
        let (version, meta) = self.pin_committed(&id, offset_bytes, len)?;
        let file = self.files.get(version.pos.class)?;
        let direct = file.direct.is_some();
        let fd = file.io_file().as_raw_fd();
        let plan = ReadPlan::new(self.options.verify_reads, &version, offset_bytes, len, direct, target.ptr);
        let engine = self.clone();
        // Runs once the bytes are in: verify, copy out, unpin, report. Large ones go to the pool so the
        // event loop (which reaps the ring) is not held up by checksums of big chunks.
        let finish = move |io: std::io::Result<()>, scratch: Option<AlignedBuf>| {
            let mut target = target;
            let result = io
                .map_err(|e| EngineError::io(format!("read chunk {} at slot {:?}", id_hex(&id), version.pos), e))
                .and_then(|()| plan.finish(&id, &version, offset_bytes, scratch.as_deref(), target.bytes()));
            engine.lock_state().unpin(&engine.files, version.pos);
            match result {
                Ok(()) => Engine::post_ok(tag, op::READ, meta, len),
                Err(e) => Engine::post_err(tag, op::READ, &e),
            }
            drop(guard);
        };
        if plan.io_len() == 0 {
            finish(Ok(()), None);
            return Ok(());
        }
        let mut scratch = (!plan.zero_copy).then(|| AlignedBuf::new(plan.io_len() as usize));
        let buf = scratch.as_mut().map_or(target.ptr, |s| s.as_mut_ptr());
        let heavy = plan.io_len() > HEAVY_POST_PROCESS_BYTES && (plan.verify_whole || !plan.zero_copy);
        ring_io::submit(IoRequest {
            write: false,
            fd,
            offset_bytes: version.pos.offset_bytes() + plan.io_start,
            buf,
            len: plan.io_len() as usize,
            done: Box::new(move |io| {
                if heavy { pool::spawn(move || finish(io, scratch)) } else { finish(io, scratch) }
            }),
        }, self.options.io_uring);
        Ok(())
    }
}

/// Where a mapped read's bytes are.
#[derive(Clone, Copy, Debug)]
pub struct MappedRead {
    /// The first requested byte, inside the engine's read-only mapping. Readable once the read's
    /// completion reports success, and until `pin_token` is unpinned; null for an empty read.
    pub address: *const u8,
    /// Pass to `Engine::unpin` once nothing reads the bytes any more: after a successful completion
    /// only (a failed mapped read unpins itself before it reports).
    pub pin_token: u64,
    /// The mapping of the slot's group: its first byte and how many bytes of it are mapped (covering
    /// `address`'s range). Stable while the engine is open, so a caller may wrap it once for all reads.
    pub region: *const u8,
    pub region_bytes: u64,
}

/// An address inside a mapping, sent to the pool job that faults it in.
#[derive(Clone, Copy)]
struct MappedBytes {
    ptr: *const u8,
    len: usize,
}

// SAFETY: the mapping outlives the job (it is never unmapped while a slot is pinned) and is read-only.
unsafe impl Send for MappedBytes {}

impl Engine {
    /// Reads `[offset_bytes, offset_bytes + len)` of the committed version the zero-copy way: returns at
    /// once with the bytes' address inside the engine's mapping of the data file, then a pool job faults
    /// the pages in (reading them from disk where they are not cached; an I/O error comes back as an
    /// error, not a SIGBUS), verifies the checksum exactly as `submit_read` would (whole-chunk or every
    /// read, as `verify_reads` says) and posts the completion, with the same errors and meta. On success
    /// the slot stays pinned until `unpin(pin_token)`; on failure it is unpinned before the completion.
    pub fn submit_mapped_read(self: &Arc<Engine>, tag: u64, id: ChunkId, offset_bytes: u64, len: u64) -> Result<MappedRead> {
        let Some(mapped) = &self.mapped else {
            fail!(Code::InvalidArgument, "engine at {} does not do mapped reads (O_DIRECT, or mapped_reads off)", self.dir.display());
        };
        let guard = self.admit(false)?;
        let (version, meta) = self.pin_committed(&id, offset_bytes, len)?;
        let pin_token = version.pos.encode();
        // The bytes to fault in (and verify): the caller's range, or the whole chunk when it is verified.
        let plan = ReadPlan::new(self.options.verify_reads, &version, offset_bytes, len, false, std::ptr::null_mut());
        let span = plan.end - plan.start;
        let engine = self.clone();
        let fail = move |e: EngineError, guard: super::InflightGuard| {
            engine.lock_state().unpin(&engine.files, version.pos);
            Engine::post_err(tag, op::READ, &e);
            drop(guard);
        };
        let empty = MappedRead { address: std::ptr::null(), pin_token, region: std::ptr::null(), region_bytes: 0 };
        if span == 0 {
            Engine::post_ok(tag, op::READ, meta, 0);
            return Ok(empty);
        }
        let mapped_at = self.files.get(version.pos.class)
            .and_then(|file| mapped.address(version.pos.class, file, version.pos.offset_bytes() + plan.start, span));
        let range = match mapped_at {
            Ok(range) => range,
            Err(e) => {
                // As a read's I/O error: reported by the completion.
                fail(EngineError::new(e.code, format!("read chunk {} at slot {:?}: {}", id_hex(&id), version.pos, e.detail)), guard);
                return Ok(empty);
            }
        };
        let base = range.address;
        // SAFETY: offset_bytes is inside [plan.start, plan.end), all mapped.
        let address = if len == 0 { std::ptr::null() } else { unsafe { base.add((offset_bytes - plan.start) as usize) } };
        let bytes = MappedBytes { ptr: base, len: span as usize };
        pool::spawn(move || {
            let bytes = bytes;
            let result = sys::populate_read(bytes.ptr, bytes.len)
                .map_err(|e| EngineError::io(format!("read chunk {} at slot {:?}", id_hex(&id), version.pos), e))
                .and_then(|()| {
                    if plan.verify_whole {
                        // SAFETY: mapped, pinned, read-only.
                        verify(&id, &version, unsafe { std::slice::from_raw_parts(bytes.ptr, bytes.len) })
                    } else {
                        Ok(())
                    }
                });
            match result {
                Ok(()) => {
                    Engine::post_ok(tag, op::READ, meta, len);
                    drop(guard);
                }
                Err(e) => fail(e, guard),
            }
        });
        Ok(MappedRead { address, pin_token, region: range.region, region_bytes: range.region_bytes })
    }
}

/// Reads whose checksum or copy covers more than this are finished on the pool, not the reactor.
const HEAVY_POST_PROCESS_BYTES: u64 = 256 << 10;

fn verify(id: &ChunkId, v: &Version, bytes: &[u8]) -> Result<()> {
    let actual = crc32c::crc32c(bytes);
    if actual != v.crc {
        return Err(EngineError::new(Code::ChecksumMismatch, format!(
            "chunk {} version {} at slot {:?}: stored crc32c {:#010x}, data on disk has {actual:#010x}", id_hex(id), v.ver, v.pos, v.crc)));
    }
    Ok(())
}

/// What to read for a request: the caller's range, or the whole chunk when it must be verified, widened
/// to 4 KiB blocks for O_DIRECT. Zero copy when the caller's buffer is exactly that (aligned) range.
#[derive(Clone, Copy)]
struct ReadPlan {
    verify_whole: bool,
    /// The bytes that matter: [start, end) within the slot.
    start: u64,
    end: u64,
    /// The bytes read: [io_start, io_end) within the slot.
    io_start: u64,
    io_end: u64,
    zero_copy: bool,
}

impl ReadPlan {
    fn new(mode: VerifyReads, v: &Version, offset: u64, len: u64, direct: bool, dst: *mut u8) -> ReadPlan {
        let whole = offset == 0 && len == v.len as u64;
        let verify_whole = match mode {
            VerifyReads::Always => true,
            VerifyReads::WholeChunkReads => whole,
            VerifyReads::Never => false,
        };
        let (start, end) = if verify_whole { (0, v.len as u64) } else { (offset, offset + len) };
        let (io_start, io_end) = if direct { (round_down_block(start), round_up_block(end)) } else { (start, end) };
        let aligned_dst = !direct || (dst as u64).is_multiple_of(BLOCK_BYTES);
        let zero_copy = aligned_dst && io_start == offset && io_end == offset + len;
        ReadPlan { verify_whole, start, end, io_start, io_end, zero_copy }
    }

    fn io_len(&self) -> u64 {
        self.io_end - self.io_start
    }

    /// After the read: verify and copy into `dst` (`scratch` holds the bytes unless zero copy).
    fn finish(&self, id: &ChunkId, v: &Version, offset: u64, scratch: Option<&[u8]>, dst: &mut [u8]) -> Result<()> {
        match scratch {
            None => {
                if self.verify_whole {
                    verify(id, v, dst)?;
                }
            }
            Some(buf) => {
                if self.verify_whole {
                    verify(id, v, &buf[(self.start - self.io_start) as usize..(self.end - self.io_start) as usize])?;
                }
                let from = (offset - self.io_start) as usize;
                dst.copy_from_slice(&buf[from..from + dst.len()]);
            }
        }
        Ok(())
    }
}
