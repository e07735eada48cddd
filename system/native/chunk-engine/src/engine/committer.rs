//! Group commit. Operations hand the committer records whose data is already written; it takes
//! everything queued, fdatasyncs the data files written since the last batch (when sync_data is on),
//! appends all records to the WAL with one write and one fdatasync, then applies them to the table and
//! runs each operation's continuation. Operations that arrive during an fdatasync form the next batch,
//! so the sync cost is shared by everything in flight. It also checkpoints when the segment is large.
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};

use super::{Engine, State};
use crate::errors::{Code, EngineError, Result};
use crate::io::data_files::DataFiles;
use crate::store::record::Record;
use crate::store::wal::{self, WalWriter};
use crate::store::checkpoint;

/// Called under the state lock with the outcome of making `records` durable (Ok: already applied).
pub type Continuation = Box<dyn FnOnce(&mut State, &DataFiles, Result<()>) + Send>;

pub struct WalItem {
    pub records: Vec<Record>,
    pub then: Continuation,
}

#[derive(Default)]
struct Queue {
    items: Vec<WalItem>,
    shutdown: bool,
}

#[derive(Default)]
pub struct Committer {
    queue: Mutex<Queue>,
    wake: Condvar,
    thread: Mutex<Option<JoinHandle<Result<()>>>>,
}

impl Committer {
    pub fn start(engine: &Arc<Engine>, wal: WalWriter) {
        let engine_for_thread = engine.clone();
        let handle = thread::Builder::new()
            .name("fce-committer".into())
            .spawn(move || run(engine_for_thread, wal))
            .expect("start committer thread");
        *engine.committer.thread.lock().expect("committer lock") = Some(handle);
    }

    pub fn submit(&self, item: WalItem) {
        let mut q = self.queue.lock().expect("committer queue lock");
        assert!(!q.shutdown, "WAL item submitted after shutdown");
        q.items.push(item);
        self.wake.notify_one();
    }

    /// Drains the queue, writes a final checkpoint and stops the thread.
    pub fn shutdown(&self) -> Result<()> {
        self.queue.lock().expect("committer queue lock").shutdown = true;
        self.wake.notify_one();
        match self.thread.lock().expect("committer lock").take() {
            Some(handle) => handle.join().unwrap_or_else(|_| Err(EngineError::new(Code::Assertion, "committer thread panicked"))),
            None => Ok(()),
        }
    }
}

fn run(engine: Arc<Engine>, mut wal: WalWriter) -> Result<()> {
    let committer = &engine.committer;
    let mut records = Vec::new();
    loop {
        let batch = {
            let mut q = committer.queue.lock().expect("committer queue lock");
            while q.items.is_empty() && !q.shutdown {
                q = committer.wake.wait(q).expect("committer queue lock");
            }
            if q.items.is_empty() {
                break;
            }
            std::mem::take(&mut q.items)
        };
        records.clear();
        records.extend(batch.iter().flat_map(|item| item.records.iter().copied()));
        let failed = engine.lock_state().failed.clone();
        let outcome = match failed {
            Some(reason) => Err(EngineError::new(Code::Failed, format!("engine failed earlier: {reason}"))),
            None => make_durable(&engine, &mut wal, &records),
        };
        let mut state = engine.lock_state();
        if let Err(e) = &outcome
            && e.code == Code::Failed {
                engine.mark_failed(&mut state, &e.detail);
            }
        for item in batch {
            let result = match &outcome {
                Ok(()) => item.records.iter().try_for_each(|r| state.apply_durable(&engine.files, r)),
                Err(e) => Err(e.clone()),
            };
            // An apply error means the table disagrees with a record validated under the same lock: a bug.
            if let (Ok(()), Err(e)) = (&outcome, &result) {
                panic!("durable record does not apply: {e}");
            }
            (item.then)(&mut state, &engine.files, result);
        }
        drop(state);
        engine.wal_bytes.store(wal.size_bytes(), Ordering::Relaxed);
        if outcome.is_ok() && wal.size_bytes() >= engine.options.checkpoint_bytes {
            // A failed checkpoint is not fatal: the old checkpoint plus all segments still replay.
            if let Ok(next) = checkpoint_now(&engine, &wal) {
                wal = next;
            }
        }
    }
    let failed = engine.lock_state().failed.is_some();
    if !failed && wal.size_bytes() > 0 {
        checkpoint_now(&engine, &wal)?;
    }
    Ok(())
}

fn make_durable(engine: &Engine, wal: &mut WalWriter, records: &[Record]) -> Result<()> {
    if engine.options.sync_data {
        engine.files.sync_dirty().map_err(|e| EngineError::new(Code::Failed, format!("fdatasync data files: {e}")))?;
    }
    wal.append(records)
}

/// Starts segment seq+1, writes the table as a checkpoint naming it, then deletes older segments. Only
/// the committer applies records, so the table it snapshots here is exactly the log up to `wal`. If the
/// checkpoint write fails the new segment is used anyway: old checkpoint + all segments still replay.
pub fn checkpoint_now(engine: &Engine, wal: &WalWriter) -> Result<WalWriter> {
    let next = WalWriter::create(&engine.meta_dir, wal.seq + 1, engine.options.wal_extend_bytes)?;
    let snapshot: Vec<_> = engine.lock_state().table.iter().map(|(id, e)| (*id, *e)).collect();
    if checkpoint::write(&engine.meta_dir, next.seq, &snapshot).is_ok() {
        engine.checkpoints.fetch_add(1, Ordering::Relaxed);
        if let Ok(segments) = wal::list_segments(&engine.meta_dir) {
            for (seq, path) in segments.into_iter().filter(|(seq, _)| *seq < next.seq) {
                let _ = (seq, std::fs::remove_file(path));
            }
        }
    }
    Ok(next)
}
