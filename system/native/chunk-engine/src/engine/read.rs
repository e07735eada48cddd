//! Reads always see the committed version: its slot is pinned at submission and unpinned after the
//! bytes are copied out, so a commit or remove that orphans the slot meanwhile defers freeing it.
use std::sync::Arc;

use super::{Engine, VerifyReads, op};
use crate::crc32c;
use crate::errors::{Code, EngineError, Result};
use crate::io::aligned::AlignedBuf;
use crate::io::data_files::DataFiles;
use crate::io::pool;
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
            let end = offset_bytes.checked_add(len).unwrap_or(u64::MAX);
            if end > committed.len as u64 {
                fail!(Code::OutOfRange, "read [{offset_bytes}, {end}) past the end of chunk {} ({} bytes)", id_hex(&id), committed.len);
            }
            let meta = state.meta(&id).expect("entry exists");
            state.pin(committed.pos);
            (committed, meta)
        };
        let engine = self.clone();
        pool::spawn(move || {
            let mut target = target;
            let result = read_into(&engine.files, engine.options.verify_reads, &id, &version, offset_bytes, target.bytes());
            engine.lock_state().unpin(&engine.files, version.pos);
            match result {
                Ok(()) => Engine::post_ok(tag, op::READ, meta, len),
                Err(e) => Engine::post_err(tag, op::READ, &e),
            }
            drop(guard);
        });
        Ok(())
    }
}

fn verify(id: &ChunkId, v: &Version, bytes: &[u8]) -> Result<()> {
    let actual = crc32c::crc32c(bytes);
    if actual != v.crc {
        return Err(EngineError::new(Code::ChecksumMismatch, format!(
            "chunk {} version {} at slot {:?}: stored crc32c {:#010x}, data on disk has {actual:#010x}", id_hex(id), v.ver, v.pos, v.crc)));
    }
    Ok(())
}

pub fn read_into(files: &DataFiles, mode: VerifyReads, id: &ChunkId, v: &Version, offset: u64, dst: &mut [u8]) -> Result<()> {
    let len = dst.len() as u64;
    let whole = offset == 0 && len == v.len as u64;
    let verify_whole = match mode {
        VerifyReads::Always => true,
        VerifyReads::WholeChunkReads => whole,
        VerifyReads::Never => false,
    };
    let (start, end) = if verify_whole { (0, v.len as u64) } else { (offset, offset + len) };
    if start == end {
        return if verify_whole { verify(id, v, &[]) } else { Ok(()) };
    }
    let direct = files.get(v.pos.class)?.direct.is_some();
    let (a_start, a_end) = if direct { (round_down_block(start), round_up_block(end)) } else { (start, end) };
    // Zero copy: read straight into the caller's buffer when it is exactly the (aligned) range.
    let aligned_dst = !direct || dst.as_ptr() as u64 % BLOCK_BYTES == 0;
    if aligned_dst && a_start == offset && a_end == offset + len {
        files.read_at(v.pos, offset, dst)?;
        return if verify_whole { verify(id, v, dst) } else { Ok(()) };
    }
    let mut buf = AlignedBuf::new((a_end - a_start) as usize);
    files.read_at(v.pos, a_start, &mut buf)?;
    if verify_whole {
        verify(id, v, &buf[(start - a_start) as usize..(end - a_start) as usize])?;
    }
    let from = (offset - a_start) as usize;
    dst.copy_from_slice(&buf[from..from + len as usize]);
    Ok(())
}
