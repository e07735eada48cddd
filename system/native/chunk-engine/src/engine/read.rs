//! Reads always see the committed version: its slot is pinned at submission and unpinned after the
//! bytes are copied out, so a commit or remove that orphans the slot meanwhile defers freeing it. The
//! I/O itself goes through the event-loop-driven io_uring (io/ring_io.rs).
use std::sync::Arc;

use std::os::fd::AsRawFd;

use super::{Engine, VerifyReads, op};
use crate::crc32c;
use crate::errors::{Code, EngineError, Result};
use crate::io::aligned::AlignedBuf;
use crate::io::pool;
use crate::io::ring_io::{self, IoRequest};
use crate::types::{BLOCK_BYTES, ChunkId, Version, id_hex, round_down_block, round_up_block};

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
    pub fn submit_read(self: &Arc<Engine>, tag: u64, id: ChunkId, offset_bytes: u64, target: ReadTarget) -> Result<()> {
        let guard = self.admit(false)?;
        let len = target.len as u64;
        let (version, meta) = {
            let mut state = self.lock_state();
            let Some(entry) = state.table.get(&id) else {
                fail!(Code::ChunkNotFound, "chunk {} does not exist", id_hex(&id));
            };
            let Some(committed) = entry.committed else {
                fail!(Code::ChunkNotFound, "chunk {} has no committed version", id_hex(&id));
            };
            let end = offset_bytes.saturating_add(len);
            if end > committed.len as u64 {
                fail!(Code::OutOfRange, "read [{offset_bytes}, {end}) past the end of chunk {} ({} bytes)", id_hex(&id), committed.len);
            }
            // Opened before pinning so a failure here leaves nothing pinned.
            self.files.get(committed.pos.class)?;
            state.pin(committed.pos);
            (committed, state.meta(&id).expect("entry exists"))
        };
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
