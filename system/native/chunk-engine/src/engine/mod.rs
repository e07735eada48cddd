//! The engine: one per target directory. Layout:
//!   <dir>/meta/LOCK            flock'ed while open (exclusive; shared when read-only)
//!   <dir>/meta/checkpoint      the chunk table as of some WAL segment
//!   <dir>/meta/wal-<seq>.log   write-ahead log segments after the checkpoint
//!   <dir>/data/class-<KiB>.dat one sparse file per size class, carved into groups of 256 slots
//!
//! Concurrency: metadata lives in `State` behind one mutex, held only for in-memory work (and a
//! fallocate under space pressure; a new slot's reservation otherwise runs on the I/O pool). Data I/O runs on the shared I/O pool without the lock. Durable metadata changes go through
//! the committer thread, which group-commits WAL records and applies them to the table afterwards, so
//! the table only ever holds durable state and a checkpoint snapshot taken by the committer matches the
//! log exactly. Every asynchronous operation ends in exactly one completion (io/completion.rs).
mod commit;
mod committer;
mod compact;
mod query;
pub mod read;
mod recovery;
mod space;
mod state;
mod update;

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::errors::{Code, EngineError, Result};
use crate::ffi_types::{FceMeta, FceOptions};
use crate::io::completion::{self, Completion};
use crate::io::data_files::DataFiles;
use crate::io::mapped::MappedFiles;
use crate::types::BLOCK_BYTES;

pub use committer::Committer;
pub use state::State;
pub use update::{UpdateData, UpdateRequest};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyReads {
    Never,
    WholeChunkReads,
    Always,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub capacity_bytes: u64,
    pub checkpoint_bytes: u64,
    pub wal_extend_bytes: u64,
    pub reserve_bytes: u64,
    pub low_space_ratio: f64,
    pub reject_create_ratio: f64,
    pub io_threads: usize,
    pub direct_io: bool,
    pub verify_reads: VerifyReads,
    pub read_only: bool,
    pub create: bool,
    pub sync_data: bool,
    /// Reads through io_uring (io/ring_io.rs) rather than blocking calls on the pool.
    pub io_uring: bool,
    /// Mapped reads (read.rs `submit_mapped_read`) for buffered engines. Ignored with `direct_io`:
    /// O_DIRECT writes invalidate the page cache, so a mapping would fault from disk page by page.
    pub mapped_reads: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            capacity_bytes: 0,
            checkpoint_bytes: 64 << 20,
            wal_extend_bytes: 4 << 20,
            reserve_bytes: 16 << 20,
            low_space_ratio: 0.96,
            reject_create_ratio: 0.98,
            io_threads: 64,
            direct_io: true,
            verify_reads: VerifyReads::Always,
            read_only: false,
            create: true,
            sync_data: true,
            io_uring: true,
            mapped_reads: true,
        }
    }
}

impl Options {
    pub fn from_ffi(o: &FceOptions) -> Result<Options> {
        let d = Options::default();
        let verify_reads = match o.verify_reads {
            0 => VerifyReads::Never,
            1 => VerifyReads::WholeChunkReads,
            2 => VerifyReads::Always,
            v => fail!(Code::InvalidArgument, "verify_reads must be 0, 1 or 2, got {v}"),
        };
        let ratio_ok = |r: f64| r > 0.0 && r <= 1.0;
        if !ratio_ok(o.low_space_ratio) || !ratio_ok(o.reject_create_ratio) {
            fail!(Code::InvalidArgument, "space ratios must be in (0, 1], got {} and {}", o.low_space_ratio, o.reject_create_ratio);
        }
        let or = |v: u64, default: u64| if v == 0 { default } else { v };
        Ok(Options {
            capacity_bytes: o.capacity_bytes,
            checkpoint_bytes: or(o.checkpoint_bytes, d.checkpoint_bytes),
            wal_extend_bytes: or(o.wal_extend_bytes, d.wal_extend_bytes).max(BLOCK_BYTES),
            reserve_bytes: or(o.reserve_bytes, d.reserve_bytes),
            low_space_ratio: o.low_space_ratio,
            reject_create_ratio: o.reject_create_ratio,
            io_threads: if o.io_threads == 0 { d.io_threads } else { o.io_threads as usize },
            direct_io: o.direct_io != 0,
            verify_reads,
            read_only: o.read_only != 0,
            create: o.create != 0,
            sync_data: o.sync_data != 0,
            io_uring: match o.io_backend {
                0 => true,
                1 => false,
                v => fail!(Code::InvalidArgument, "io_backend must be 0 (io_uring) or 1 (threads), got {v}"),
            },
            mapped_reads: match o.mapped_reads {
                0 => false,
                1 => true,
                v => fail!(Code::InvalidArgument, "mapped_reads must be 0 or 1, got {v}"),
            },
        })
    }

    /// Whether mapped reads are on: asked for, and the engine is buffered.
    pub fn mapped_reads_active(&self) -> bool {
        self.mapped_reads && !self.direct_io
    }
}

pub struct Engine {
    pub dir: PathBuf,
    pub meta_dir: PathBuf,
    pub options: Options,
    pub files: DataFiles,
    /// Mappings of the data files for mapped reads (None when they are off).
    pub mapped: Option<MappedFiles>,
    state: Mutex<State>,
    committer: Committer,
    inflight: AtomicU64,
    /// Paired with `inflight_done`: close() waits here for the count to reach zero.
    inflight_lock: Mutex<()>,
    inflight_done: Condvar,
    /// Mirrors `State::failed.is_some()` so admission needs no state lock.
    failed: AtomicBool,
    closed: AtomicBool,
    pub checkpoints: AtomicU64,
    pub wal_bytes: AtomicU64,
    /// Held (flock'ed) while open; dropped by close() so the directory can be reopened at once.
    lock_file: Mutex<Option<File>>,
}

/// Opcodes reported in completions.
pub mod op {
    pub const READ: u32 = 1;
    pub const UPDATE: u32 = 2;
    pub const COMMIT: u32 = 3;
    pub const REMOVE_RANGE: u32 = 4;
    pub const COMPACT: u32 = 5;
}

/// Counts an operation as in flight from submission until its completion is posted; close() waits for
/// the count to reach zero, so no job outlives the engine's files.
pub struct InflightGuard {
    engine: Arc<Engine>,
}

impl Drop for InflightGuard {
    fn drop(&mut self) {
        let before = self.engine.inflight.fetch_sub(1, Ordering::AcqRel);
        assert!(before > 0, "in-flight counter underflow");
        if before == 1 {
            let _lock = self.engine.inflight_lock.lock().expect("inflight lock");
            self.engine.inflight_done.notify_all();
        }
    }
}

impl Engine {
    pub fn open(dir: PathBuf, options: Options) -> Result<Arc<Engine>> {
        recovery::open(dir, options)
    }

    pub fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("engine state lock")
    }

    /// Admits a new asynchronous operation, or says why not.
    pub fn admit(self: &Arc<Engine>, mutating: bool) -> Result<InflightGuard> {
        if self.closed.load(Ordering::Acquire) {
            fail!(Code::Closed, "engine at {} is closed", self.dir.display());
        }
        if mutating && self.options.read_only {
            fail!(Code::ReadOnly, "engine at {} is open read-only", self.dir.display());
        }
        if self.failed.load(Ordering::Acquire) {
            let reason = self.lock_state().failed.clone().unwrap_or_default();
            fail!(Code::Failed, "engine failed earlier and must be reopened: {reason}");
        }
        self.inflight.fetch_add(1, Ordering::AcqRel);
        Ok(InflightGuard { engine: self.clone() })
    }

    pub fn inflight_ops(&self) -> u64 {
        self.inflight.load(Ordering::Acquire)
    }

    /// Records an unrecoverable error: the engine refuses further work until reopened.
    pub fn mark_failed(&self, state: &mut State, reason: &str) {
        if state.failed.is_none() {
            state.failed = Some(reason.to_string());
        }
        self.failed.store(true, Ordering::Release);
    }

    pub fn ensure_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            fail!(Code::Closed, "engine at {} is closed", self.dir.display());
        }
        Ok(())
    }

    /// Stops admitting work, waits for in-flight operations, flushes the log and writes a checkpoint.
    pub fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let mut lock = self.inflight_lock.lock().expect("inflight lock");
        while self.inflight.load(Ordering::Acquire) > 0 {
            // Reads finish only when someone reaps the ring; normally the event loop does, but a caller
            // blocked right here must not deadlock on its own reads.
            crate::io::ring_io::reap();
            lock = self.inflight_done.wait_timeout(lock, std::time::Duration::from_millis(5)).expect("inflight lock").0;
        }
        drop(lock);
        let result = self.committer.shutdown();
        // With pins outstanding, a mapped read's view may still point into the mappings (the caller
        // releases it after its reply is sent): unmapping would turn its next access into a segfault,
        // so the mappings are then left until the process exits.
        if let Some(mapped) = &self.mapped
            && self.lock_state().pinned_slots() == 0 {
                mapped.unmap_all();
            }
        self.lock_file.lock().expect("lock file lock").take();
        result
    }

    pub fn post_ok(tag: u64, op: u32, meta: FceMeta, value: u64) {
        completion::post(Completion::new(tag, op, Code::Ok.wire(), value, meta, ""));
    }

    pub fn post_err(tag: u64, op: u32, error: &EngineError) {
        completion::post(Completion::new(tag, op, error.code.wire(), 0, FceMeta::default(), &error.detail));
    }
}

#[cfg(test)]
mod tests;
