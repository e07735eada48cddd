//! Commit and range remove: metadata-only changes that go straight to group commit.
use std::sync::Arc;

use super::committer::WalItem;
use super::{Engine, op};
use crate::errors::{Code, Result};
use crate::ffi_types::FceMeta;
use crate::store::record::Record;
use crate::store::versioning::{CommitDecision, commit_decision};
use crate::types::{ChunkId, id_hex};

impl Engine {
    /// Makes pending version `ver` the committed one. A commit of an already committed version is
    /// reported as success with the current state (3FS: kChunkStaleCommit, treated as success).
    pub fn submit_commit(self: &Arc<Engine>, tag: u64, id: ChunkId, ver: u32, chain_ver: u32) -> Result<()> {
        let guard = self.admit(true)?;
        let mut state = self.lock_state();
        if state.busy.contains(&id) {
            fail!(Code::Busy, "chunk {} has another operation in flight", id_hex(&id));
        }
        let entry = state.table.get(&id).copied();
        if commit_decision(entry.as_ref(), ver, chain_ver)? == CommitDecision::Stale {
            Engine::post_ok(tag, op::COMMIT, state.meta(&id).expect("stale commit of an existing chunk"), 0);
            return Ok(());
        }
        state.busy.insert(id);
        drop(state);
        self.committer.submit(WalItem {
            records: vec![Record::Commit { id, ver, chain_ver }],
            then: Box::new(move |state, _files, result| {
                state.busy.remove(&id);
                match result {
                    Ok(()) => {
                        let meta = state.meta(&id).unwrap_or_else(|| FceMeta::removed(&id, ver, chain_ver));
                        Engine::post_ok(tag, op::COMMIT, meta, 0);
                    }
                    Err(e) => Engine::post_err(tag, op::COMMIT, &e),
                }
                drop(guard);
            }),
        });
        Ok(())
    }

    /// Deletes up to `limit` chunks in [begin, end), all versions, in one durable batch. Chunks with an
    /// operation in flight are skipped (the caller sees fewer removed and calls again).
    pub fn submit_remove_range(self: &Arc<Engine>, tag: u64, begin: ChunkId, end: ChunkId, limit: usize) -> Result<()> {
        let guard = self.admit(true)?;
        let mut state = self.lock_state();
        let ids: Vec<ChunkId> = {
            let busy = &state.busy;
            state.table.range(&begin, &end).map(|(id, _)| *id).filter(|id| !busy.contains(id)).take(limit).collect()
        };
        if ids.is_empty() {
            Engine::post_ok(tag, op::REMOVE_RANGE, FceMeta::default(), 0);
            return Ok(());
        }
        state.busy.extend(ids.iter().copied());
        drop(state);
        let records = ids.iter().map(|id| Record::Delete { id: *id }).collect();
        self.committer.submit(WalItem {
            records,
            then: Box::new(move |state, _files, result| {
                for id in &ids {
                    state.busy.remove(id);
                }
                match result {
                    Ok(()) => Engine::post_ok(tag, op::REMOVE_RANGE, FceMeta::default(), ids.len() as u64),
                    Err(e) => Engine::post_err(tag, op::REMOVE_RANGE, &e),
                }
                drop(guard);
            }),
        });
        Ok(())
    }
}
