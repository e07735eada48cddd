//! Compaction of sparse groups (3FS's compact_groups): live chunks in the emptiest groups move into
//! fuller groups of the same class, so whole groups fall empty and are punched. A moved chunk is copied,
//! verified, written, and only then re-pointed by a durable Move record; readers pinning the old slot
//! keep it until they finish.
use std::collections::HashMap;
use std::sync::Arc;

use super::committer::WalItem;
use super::{Engine, op};
use crate::crc32c;
use crate::errors::Result;
use crate::ffi_types::FceMeta;
use crate::io::aligned::AlignedBuf;
use crate::io::pool;
use crate::store::record::Record;
use crate::types::{ChunkId, Position, SLOTS_PER_GROUP, SizeClass, Version, round_up_block};

/// Groups at most this full are compaction sources (a quarter of 256 slots).
const SPARSE_MAX_USED: u32 = (SLOTS_PER_GROUP / 4) as u32;

#[derive(Clone, Copy)]
struct Move {
    id: ChunkId,
    from: Version,
    to: Position,
}

impl Engine {
    pub fn submit_compact(self: &Arc<Engine>, tag: u64, max_moves: usize) -> Result<()> {
        let guard = self.admit(true)?;
        let (moves, frozen) = self.plan_moves(max_moves);
        if moves.is_empty() {
            Engine::post_ok(tag, op::COMPACT, FceMeta::default(), 0);
            return Ok(());
        }
        let engine = self.clone();
        pool::spawn(move || {
            let mut copied = Vec::new();
            let mut failed = Vec::new();
            for m in moves {
                if copy(&engine, &m).is_ok() { copied.push(m) } else { failed.push(m) }
            }
            let records = copied.iter().map(|m| Record::Move { id: m.id, from: m.from.pos, to: m.to }).collect();
            engine.committer.submit(WalItem {
                records,
                then: Box::new(move |state, files, result| {
                    let ok = result.is_ok();
                    for m in copied.iter().chain(failed.iter()) {
                        let moved = ok && copied.iter().any(|c| c.id == m.id);
                        if !moved {
                            state.release(files, m.to);
                        }
                        state.unpin(files, m.from.pos);
                        state.busy.remove(&m.id);
                    }
                    for (class, group) in &frozen {
                        state.allocs[class.index()].set_frozen(*group, false);
                    }
                    let moved = if ok { copied.len() as u64 } else { 0 };
                    Engine::post_ok(tag, op::COMPACT, FceMeta::default(), moved);
                    drop(guard);
                }),
            });
        });
        Ok(())
    }

    /// Picks moves under the lock: sources are sparse groups whose every chunk is movable (committed,
    /// nothing pending, nothing in flight); targets are slots in strictly fuller groups.
    fn plan_moves(&self, max_moves: usize) -> (Vec<Move>, Vec<(SizeClass, u64)>) {
        let mut state = self.lock_state();
        let owners: HashMap<Position, (ChunkId, Version)> = state.table.iter()
            .filter(|(id, e)| e.pending.is_none() && !state.busy.contains(*id))
            .filter_map(|(id, e)| e.committed.map(|c| (c.pos, (*id, c))))
            .collect();
        let mut moves = Vec::new();
        let mut frozen = Vec::new();
        for class_index in 0..state.allocs.len() {
            let class = SizeClass::from_index(class_index);
            for (group, used) in state.allocs[class_index].sparse_groups(SPARSE_MAX_USED) {
                let slots = state.allocs[class_index].used_in_group(group);
                let movable: Option<Vec<_>> = slots.iter().map(|i| owners.get(&Position { class, index: *i }).copied()).collect();
                let Some(movable) = movable else { continue };
                if moves.len() + movable.len() > max_moves {
                    break;
                }
                state.allocs[class_index].set_frozen(group, true);
                let mut targets = Vec::new();
                for _ in &movable {
                    match state.allocs[class_index].allocate_in_group_with(used + 1) {
                        Some(index) => targets.push(Position { class, index }),
                        None => break,
                    }
                }
                let reserved = targets.iter().all(|t| state.allocs[class_index].is_reserved(t.index));
                if targets.len() < movable.len() || !reserved {
                    // Not enough room in fuller, already reserved groups: undo and leave this class.
                    for t in targets {
                        state.release(&self.files, t);
                    }
                    state.allocs[class_index].set_frozen(group, false);
                    break;
                }
                for ((id, from), to) in movable.into_iter().zip(targets) {
                    state.pin(from.pos, from.len as u64);
                    state.busy.insert(id);
                    moves.push(Move { id, from, to });
                }
                frozen.push((class, group));
            }
        }
        (moves, frozen)
    }
}

fn copy(engine: &Engine, m: &Move) -> Result<()> {
    let mut buf = AlignedBuf::new(round_up_block(m.from.len as u64) as usize);
    if buf.is_empty() {
        return Ok(());
    }
    engine.files.read_at(m.from.pos, 0, &mut buf)?;
    if crc32c::crc32c(&buf[..m.from.len as usize]) != m.from.crc {
        fail!(crate::errors::Code::ChecksumMismatch, "compaction source of version {} is corrupt", m.from.ver);
    }
    engine.files.write_at(m.to, 0, &buf)
}
