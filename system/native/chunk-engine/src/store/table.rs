//! The chunk table: id -> durable entry (committed version, pending version), ordered by id for range
//! scans. It changes only through `apply(record)`, both live (after the record is durable) and on replay.
use std::collections::BTreeMap;
use std::ops::Bound;

use super::record::Record;
use crate::errors::{Code, Result};
use crate::types::{ChunkId, Entry, Pending, Position, id_hex};

#[derive(Default, Clone)]
pub struct ChunkTable {
    map: BTreeMap<ChunkId, Entry>,
}

impl ChunkTable {
    pub fn get(&self, id: &ChunkId) -> Option<&Entry> {
        self.map.get(id)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ChunkId, &Entry)> {
        self.map.iter()
    }

    pub fn range(&self, begin: &ChunkId, end: &ChunkId) -> impl DoubleEndedIterator<Item = (&ChunkId, &Entry)> {
        let upper = if begin < end { Bound::Excluded(*end) } else { Bound::Included(*begin) };
        self.map.range((Bound::Included(*begin), upper)).filter(move |(id, _)| *id < end)
    }

    pub fn insert_loaded(&mut self, id: ChunkId, entry: Entry) {
        self.map.insert(id, entry);
    }

    /// Applies one durable change and returns the slots no version references any more.
    pub fn apply(&mut self, record: &Record) -> Result<Vec<Position>> {
        let mut released = Vec::new();
        match *record {
            Record::Pending { id, pending } => {
                let entry = self.map.entry(id).or_default();
                if let Some(old) = entry.pending.and_then(|p| p.pos()) {
                    let still_used = Some(old) == entry.committed.map(|c| c.pos) || Some(old) == pending.pos();
                    if !still_used {
                        released.push(old);
                    }
                }
                entry.pending = Some(pending);
            }
            Record::Commit { id, ver, chain_ver } => {
                let Some(entry) = self.map.get_mut(&id) else {
                    fail!(Code::MetadataCorrupt, "commit {ver} of unknown chunk {}", id_hex(&id));
                };
                let old = entry.committed.map(|c| c.pos);
                match entry.pending.take() {
                    Some(Pending::Data(mut v)) if v.ver == ver => {
                        v.chain_ver = chain_ver;
                        entry.committed = Some(v);
                        if old.is_some_and(|o| o != v.pos) {
                            released.extend(old);
                        }
                    }
                    Some(Pending::Remove { ver: pending_ver, .. }) if pending_ver == ver => {
                        released.extend(old);
                        self.map.remove(&id);
                    }
                    other => fail!(Code::MetadataCorrupt, "commit {ver} of {} does not match pending {other:?}", id_hex(&id)),
                }
            }
            Record::Delete { id } => {
                if let Some(entry) = self.map.remove(&id) {
                    released.extend(entry.positions());
                }
            }
            Record::Move { id, from, to } => {
                let entry = self.map.get_mut(&id);
                match entry.and_then(|e| e.committed.as_mut().filter(|c| c.pos == from).map(|c| (c, e.pending))) {
                    Some((committed, None)) => {
                        committed.pos = to;
                        released.push(from);
                    }
                    _ => fail!(Code::MetadataCorrupt, "move of {} from {from:?} does not match its entry", id_hex(&id)),
                }
            }
        }
        Ok(released)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{SizeClass, Version};

    fn pos(index: u64) -> Position {
        Position { class: SizeClass::from_index(0), index }
    }

    fn data(ver: u32, index: u64) -> Pending {
        Pending::Data(Version { ver, chain_ver: 1, len: 100, crc: 7, pos: pos(index) })
    }

    #[test]
    fn pending_commit_and_copy_on_write_release() {
        let mut t = ChunkTable::default();
        let id = [1u8; 16];
        assert!(t.apply(&Record::Pending { id, pending: data(1, 0) }).unwrap().is_empty());
        assert!(t.apply(&Record::Commit { id, ver: 1, chain_ver: 2 }).unwrap().is_empty());
        assert_eq!(t.get(&id).unwrap().committed.unwrap().chain_ver, 2);
        // Copy-on-write to slot 1, then a replacing pending at slot 2 releases slot 1.
        t.apply(&Record::Pending { id, pending: data(2, 1) }).unwrap();
        assert_eq!(t.apply(&Record::Pending { id, pending: data(2, 2) }).unwrap(), vec![pos(1)]);
        assert_eq!(t.apply(&Record::Commit { id, ver: 2, chain_ver: 2 }).unwrap(), vec![pos(0)]);
        // In-place append shares the slot: nothing released on commit.
        t.apply(&Record::Pending { id, pending: data(3, 2) }).unwrap();
        assert!(t.apply(&Record::Commit { id, ver: 3, chain_ver: 2 }).unwrap().is_empty());
    }

    #[test]
    fn remove_delete_move() {
        let mut t = ChunkTable::default();
        let (a, b) = ([1u8; 16], [2u8; 16]);
        t.apply(&Record::Pending { id: a, pending: data(1, 0) }).unwrap();
        t.apply(&Record::Commit { id: a, ver: 1, chain_ver: 1 }).unwrap();
        t.apply(&Record::Pending { id: a, pending: Pending::Remove { ver: 2, chain_ver: 1 } }).unwrap();
        assert_eq!(t.apply(&Record::Commit { id: a, ver: 2, chain_ver: 1 }).unwrap(), vec![pos(0)]);
        assert!(t.get(&a).is_none());
        t.apply(&Record::Pending { id: b, pending: data(1, 3) }).unwrap();
        t.apply(&Record::Commit { id: b, ver: 1, chain_ver: 1 }).unwrap();
        assert_eq!(t.apply(&Record::Move { id: b, from: pos(3), to: pos(4) }).unwrap(), vec![pos(3)]);
        assert!(t.apply(&Record::Move { id: b, from: pos(3), to: pos(5) }).is_err());
        t.apply(&Record::Pending { id: b, pending: data(2, 6) }).unwrap();
        let mut released = t.apply(&Record::Delete { id: b }).unwrap();
        released.sort();
        assert_eq!(released, vec![pos(4), pos(6)]);
        assert!(t.apply(&Record::Commit { id: b, ver: 2, chain_ver: 1 }).is_err());
    }

    #[test]
    fn range_is_half_open_and_ordered() {
        let mut t = ChunkTable::default();
        for i in 0..5u8 {
            t.insert_loaded([i; 16], Entry::default());
        }
        let ids: Vec<u8> = t.range(&[1; 16], &[4; 16]).map(|(id, _)| id[0]).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        assert_eq!(t.range(&[3; 16], &[3; 16]).count(), 0);
        assert_eq!(t.range(&[4; 16], &[1; 16]).count(), 0);
        assert_eq!(t.range(&[0; 16], &[9; 16]).next_back().unwrap().0[0], 4);
    }
}
