//! Opening an engine: lock the directory, load the checkpoint, replay the WAL, rebuild the allocators
//! from the slots the table references, give back space no version owns (data written by operations
//! that never became durable), then fold everything into a fresh checkpoint and start a new segment.
use std::fs::{self, OpenOptions};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Condvar, Mutex};

use super::{Committer, Engine, Options, State};
use crate::errors::{Code, EngineError, Result};
use crate::io::data_files::DataFiles;
use crate::io::mapped::MappedFiles;
use crate::io::pool;
use crate::store::table::ChunkTable;
use crate::store::{checkpoint, wal};
use crate::sys;
use crate::types::{CLASS_COUNT, SizeClass, id_hex};

pub fn open(dir: PathBuf, options: Options) -> Result<Arc<Engine>> {
    let meta_dir = dir.join("meta");
    let data_dir = dir.join("data");
    if options.create && !options.read_only {
        for d in [&meta_dir, &data_dir] {
            fs::create_dir_all(d).map_err(|e| EngineError::io(format!("create {}", d.display()), e))?;
        }
    } else if !meta_dir.is_dir() || !data_dir.is_dir() {
        fail!(Code::InvalidArgument, "{} holds no chunk engine (and create is off)", dir.display());
    }
    let lock_file = OpenOptions::new().read(true).write(!options.read_only).create(!options.read_only)
        .open(meta_dir.join("LOCK"))
        .map_err(|e| EngineError::io(format!("open lock file in {}", meta_dir.display()), e))?;
    sys::try_lock(&lock_file, !options.read_only)
        .map_err(|e| EngineError::new(Code::Locked, format!("{} is in use by another engine: {e}", dir.display())))?;

    let (table, last_seq) = replay(&meta_dir)?;
    let files = DataFiles::new(&data_dir, options.direct_io, options.read_only);
    let mut state = State::new(table);
    rebuild_allocators(&mut state)?;
    if !options.read_only {
        give_back_unowned_space(&mut state, &files)?;
    }

    pool::raise_max_threads(options.io_threads);
    let read_only = options.read_only;
    let mapped = options.mapped_reads_active().then(MappedFiles::default);
    let engine = Arc::new(Engine {
        dir,
        meta_dir: meta_dir.clone(),
        options,
        files,
        mapped,
        state: Mutex::new(state),
        committer: Committer::default(),
        inflight: AtomicU64::new(0),
        inflight_lock: Mutex::new(()),
        inflight_done: Condvar::new(),
        failed: Default::default(),
        closed: Default::default(),
        checkpoints: AtomicU64::new(0),
        wal_bytes: AtomicU64::new(0),
        lock_file: Mutex::new(Some(lock_file)),
    });
    if !read_only {
        // Fold the replayed log into a checkpoint now, so repeated crashes never pile up segments.
        let wal = wal::WalWriter::create(&meta_dir, last_seq + 1, engine.options.wal_extend_bytes)?;
        let snapshot: Vec<_> = engine.lock_state().table.iter().map(|(id, e)| (*id, *e)).collect();
        checkpoint::write(&meta_dir, wal.seq, &snapshot)?;
        for (seq, path) in wal::list_segments(&meta_dir).map_err(|e| EngineError::io("list WAL segments", e))? {
            if seq < wal.seq {
                let _ = fs::remove_file(path);
            }
        }
        Committer::start(&engine, wal);
    }
    Ok(engine)
}

/// The durable table and the highest segment number seen.
fn replay(meta_dir: &std::path::Path) -> Result<(ChunkTable, u64)> {
    let mut table = ChunkTable::default();
    let mut first_seq = 0;
    if let Some(ckpt) = checkpoint::read(meta_dir)? {
        first_seq = ckpt.next_seq;
        for (id, entry) in ckpt.entries {
            table.insert_loaded(id, entry);
        }
    }
    let segments: Vec<_> = wal::list_segments(meta_dir)
        .map_err(|e| EngineError::io(format!("list {}", meta_dir.display()), e))?
        .into_iter()
        .filter(|(seq, _)| *seq >= first_seq)
        .collect();
    let mut last_seq = first_seq;
    for (i, (seq, path)) in segments.iter().enumerate() {
        let contents = wal::read_segment(path, *seq)?;
        if contents.torn && i + 1 != segments.len() {
            fail!(Code::MetadataCorrupt, "WAL segment {} is damaged but is not the last one", path.display());
        }
        for record in &contents.records {
            table.apply(record).map_err(|e| EngineError::new(Code::MetadataCorrupt, format!("replaying {}: {}", path.display(), e.detail)))?;
        }
        last_seq = last_seq.max(*seq);
    }
    Ok((table, last_seq))
}

fn rebuild_allocators(state: &mut State) -> Result<()> {
    let State { table, allocs, .. } = state;
    for (id, entry) in table.iter() {
        for pos in entry.positions() {
            if !allocs[pos.class.index()].mark_used(pos.index) {
                fail!(Code::MetadataCorrupt, "slot {pos:?} of chunk {} is owned twice", id_hex(id));
            }
        }
    }
    Ok(())
}

/// Punches every slot no version owns, including the file tail past the last group: after a crash the
/// data of updates that never became durable is there, and nothing else will ever free it.
fn give_back_unowned_space(state: &mut State, files: &DataFiles) -> Result<()> {
    for index in 0..CLASS_COUNT {
        let class = SizeClass::from_index(index);
        let Some(file) = files.existing(class)? else { continue };
        let file_bytes = file.buffered.metadata().map_err(|e| EngineError::io("stat data file", e))?.len();
        let alloc = &mut state.allocs[index];
        let slot = class.slot_bytes();
        for run in alloc.take_free_runs(true) {
            let start = run.start * slot;
            if start < file_bytes {
                files.punch(class, start, (run.count * slot).min(file_bytes - start));
            }
        }
        let tail = alloc.group_count() * class.group_bytes();
        if tail < file_bytes {
            files.punch(class, tail, file_bytes - tail);
        }
    }
    Ok(())
}
