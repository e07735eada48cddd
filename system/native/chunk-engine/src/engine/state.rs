//! The engine's in-memory state: durable chunk table, slot allocators, read pins and in-flight marks.
use std::collections::{HashMap, HashSet};

use crate::alloc::class_allocator::ClassAllocator;
use crate::errors::Result;
use crate::ffi_types::FceMeta;
use crate::io::data_files::DataFiles;
use crate::store::record::Record;
use crate::store::table::ChunkTable;
use crate::types::{CLASS_COUNT, ChunkId, Position, SizeClass};

pub struct State {
    pub table: ChunkTable,
    pub allocs: Vec<ClassAllocator>,
    /// Slots being read (or handed out by fce_locate or a mapped read): they may not be reused until
    /// unpinned.
    pins: HashMap<Position, Pin>,
    /// Slots no version references any more but still pinned: freed at the last unpin.
    deferred_free: HashSet<Position>,
    /// Chunks with an update, commit, move or remove in flight: one at a time per chunk.
    pub busy: HashSet<ChunkId>,
    /// Set after an unrecoverable error (failed fsync): the engine refuses work until reopened.
    pub failed: Option<String>,
}

/// Pins on one slot: how many, and how far into the slot the versions they hold reach (the largest
/// length pinned). An in-place append may only write past that (update.rs), so even a shrink followed
/// by an append never changes bytes a pinned reader may still look at.
#[derive(Clone, Copy, Debug)]
struct Pin {
    count: u32,
    extent_bytes: u64,
}

impl State {
    pub fn new(table: ChunkTable) -> State {
        State {
            table,
            allocs: (0..CLASS_COUNT).map(|i| ClassAllocator::new(SizeClass::from_index(i))).collect(),
            pins: HashMap::new(),
            deferred_free: HashSet::new(),
            busy: HashSet::new(),
            failed: None,
        }
    }

    /// Pins `pos` for a holder that may look at its first `extent_bytes`.
    pub fn pin(&mut self, pos: Position, extent_bytes: u64) {
        let pin = self.pins.entry(pos).or_insert(Pin { count: 0, extent_bytes: 0 });
        pin.count += 1;
        pin.extent_bytes = pin.extent_bytes.max(extent_bytes);
    }

    /// How far into `pos` pinned holders may look (0 when it is not pinned).
    pub fn pinned_extent(&self, pos: Position) -> u64 {
        self.pins.get(&pos).map_or(0, |p| p.extent_bytes)
    }

    pub fn unpin(&mut self, files: &DataFiles, pos: Position) {
        let pin = self.pins.get_mut(&pos).unwrap_or_else(|| panic!("unpin of unpinned slot {pos:?}"));
        pin.count -= 1;
        if pin.count == 0 {
            self.pins.remove(&pos);
            if self.deferred_free.remove(&pos) {
                self.free_slot(files, pos);
            }
        }
    }

    pub fn pinned_slots(&self) -> u64 {
        self.pins.len() as u64
    }

    /// No version references `pos` any more: free it now, or at its last unpin.
    pub fn release(&mut self, files: &DataFiles, pos: Position) {
        if self.pins.contains_key(&pos) {
            let fresh = self.deferred_free.insert(pos);
            assert!(fresh, "slot {pos:?} released twice");
        } else {
            self.free_slot(files, pos);
        }
    }

    fn free_slot(&mut self, files: &DataFiles, pos: Position) {
        if let Some(run) = self.allocs[pos.class.index()].free(pos.index) {
            let slot = pos.class.slot_bytes();
            files.punch(pos.class, run.start * slot, run.count * slot);
        }
    }

    /// Applies a durable record to the table and frees the slots it orphaned.
    pub fn apply_durable(&mut self, files: &DataFiles, record: &Record) -> Result<()> {
        for pos in self.table.apply(record)? {
            self.release(files, pos);
        }
        Ok(())
    }

    pub fn meta(&self, id: &ChunkId) -> Option<FceMeta> {
        self.table.get(id).map(|entry| FceMeta::of(id, entry))
    }

    /// Distinct slots referenced by the table; equals the allocators' used count when nothing is in
    /// flight and nothing is pinned-but-orphaned. The crash test checks this to catch leaked slots.
    pub fn referenced_slots(&self) -> u64 {
        self.table.iter().map(|(_, e)| e.positions().count() as u64).sum()
    }
}

impl State {
    pub fn is_pinned(&self, pos: Position) -> bool {
        self.pins.contains_key(&pos)
    }
}
