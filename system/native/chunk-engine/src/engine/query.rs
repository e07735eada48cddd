//! Synchronous, in-memory queries: metadata, ordered listing, last chunk of a range, space, locate.
use super::Engine;
use crate::errors::{Code, Result};
use crate::ffi_types::{FceLocation, FceMeta, FceSpace, SPACE_DIRECT_IO, SPACE_FAILED, SPACE_IO_URING, SPACE_MAPPED_READS, SPACE_READ_ONLY};
use crate::io::pool;
use crate::types::{ChunkId, Position, id_hex};
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;

impl Engine {
    pub fn meta(&self, id: &ChunkId) -> Result<FceMeta> {
        self.ensure_open()?;
        match self.lock_state().meta(id) {
            Some(meta) => Ok(meta),
            None => fail!(Code::ChunkNotFound, "chunk {} does not exist", id_hex(id)),
        }
    }

    /// Chunks in [begin, end) in id order, including ones that only have a pending version.
    pub fn list(&self, begin: &ChunkId, end: &ChunkId, limit: usize) -> Result<Vec<FceMeta>> {
        self.ensure_open()?;
        let state = self.lock_state();
        Ok(state.table.range(begin, end).take(limit).map(|(id, e)| FceMeta::of(id, e)).collect())
    }

    /// The chunk with the largest id in [begin, end) (3FS queryLastChunk: a file's length).
    pub fn last(&self, begin: &ChunkId, end: &ChunkId) -> Result<FceMeta> {
        self.ensure_open()?;
        let state = self.lock_state();
        match state.table.range(begin, end).next_back() {
            Some((id, e)) => Ok(FceMeta::of(id, e)),
            None => fail!(Code::ChunkNotFound, "no chunk in [{}, {})", id_hex(begin), id_hex(end)),
        }
    }

    pub fn space(&self) -> Result<FceSpace> {
        self.ensure_open()?;
        let state = self.lock_state();
        let mut space = state.space(&self.options, &self.dir)?;
        space.inflight_ops = self.inflight_ops();
        space.punch_failures = self.files.punch_failures.load(Ordering::Relaxed);
        space.checkpoints = self.checkpoints.load(Ordering::Relaxed);
        space.wal_bytes = self.wal_bytes.load(Ordering::Relaxed);
        space.io_threads = pool::thread_count() as u64;
        if self.files.direct_active() {
            space.flags |= SPACE_DIRECT_IO;
        }
        if state.failed.is_some() {
            space.flags |= SPACE_FAILED;
        }
        if self.options.read_only {
            space.flags |= SPACE_READ_ONLY;
        }
        if self.options.io_uring && crate::io::ring_io::uses_io_uring() {
            space.flags |= SPACE_IO_URING;
        }
        if self.mapped.is_some() {
            space.flags |= SPACE_MAPPED_READS;
        }
        Ok(space)
    }

    /// Pins the committed slot of a chunk and says where its bytes are, for callers doing their own I/O
    /// on the buffered fd. The slot stays this version's until `unpin(pin_token)`.
    pub fn locate(&self, id: &ChunkId) -> Result<FceLocation> {
        self.ensure_open()?;
        let mut state = self.lock_state();
        let Some(committed) = state.table.get(id).and_then(|e| e.committed) else {
            fail!(Code::ChunkNotFound, "chunk {} has no committed version", id_hex(id));
        };
        let file = self.files.get(committed.pos.class)?;
        state.pin(committed.pos, committed.len as u64);
        Ok(FceLocation {
            fd: file.buffered.as_raw_fd() as u64,
            offset_bytes: committed.pos.offset_bytes(),
            length_bytes: committed.len as u64,
            crc32c: committed.crc as u64,
            pin_token: committed.pos.encode(),
        })
    }

    pub fn unpin(&self, pin_token: u64) -> Result<()> {
        let pos = Position::decode(pin_token).map_err(|e| crate::errors::EngineError::new(Code::InvalidArgument, e.detail))?;
        let mut state = self.lock_state();
        if !state.is_pinned(pos) {
            fail!(Code::InvalidArgument, "pin token {pin_token:#x} is not pinned");
        }
        state.unpin(&self.files, pos);
        Ok(())
    }
}
