//! The metadata changes the engine logs. Replay and live operation apply them through the same
//! `ChunkTable::apply`, so the state after recovery is the state the log describes by construction.
use super::codec::{Reader, Writer};
use crate::errors::{Code, Result};
use crate::types::{ChunkId, Pending, Position};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// A pending version became durable (its bytes are already on disk).
    Pending { id: ChunkId, pending: Pending },
    /// The pending version `ver` became the committed one, under chain version `chain_ver`.
    Commit { id: ChunkId, ver: u32, chain_ver: u32 },
    /// The chunk and all its versions are gone (range remove).
    Delete { id: ChunkId },
    /// Compaction copied the committed version from `from` to `to`.
    Move { id: ChunkId, from: Position, to: Position },
}

const PENDING_DATA: u8 = 1;
const PENDING_REMOVE: u8 = 2;
const COMMIT: u8 = 3;
const DELETE: u8 = 4;
const MOVE: u8 = 5;

impl Record {
    pub fn id(&self) -> &ChunkId {
        match self {
            Record::Pending { id, .. } | Record::Commit { id, .. } | Record::Delete { id } | Record::Move { id, .. } => id,
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer(out);
        match self {
            Record::Pending { id, pending: Pending::Data(v) } => {
                w.u8(PENDING_DATA);
                w.id(id);
                w.version(v);
            }
            Record::Pending { id, pending: Pending::Remove { ver, chain_ver } } => {
                w.u8(PENDING_REMOVE);
                w.id(id);
                w.u32(*ver);
                w.u32(*chain_ver);
            }
            Record::Commit { id, ver, chain_ver } => {
                w.u8(COMMIT);
                w.id(id);
                w.u32(*ver);
                w.u32(*chain_ver);
            }
            Record::Delete { id } => {
                w.u8(DELETE);
                w.id(id);
            }
            Record::Move { id, from, to } => {
                w.u8(MOVE);
                w.id(id);
                w.u64(from.encode());
                w.u64(to.encode());
            }
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Record> {
        let mut r = Reader::new(bytes);
        let kind = r.u8()?;
        let id = r.id()?;
        let record = match kind {
            PENDING_DATA => Record::Pending { id, pending: Pending::Data(r.version()?) },
            PENDING_REMOVE => Record::Pending { id, pending: Pending::Remove { ver: r.u32()?, chain_ver: r.u32()? } },
            COMMIT => Record::Commit { id, ver: r.u32()?, chain_ver: r.u32()? },
            DELETE => Record::Delete { id },
            MOVE => Record::Move { id, from: Position::decode(r.u64()?)?, to: Position::decode(r.u64()?)? },
            other => fail!(Code::MetadataCorrupt, "unknown record type {other}"),
        };
        if r.remaining() != 0 {
            fail!(Code::MetadataCorrupt, "{} trailing bytes after record type {kind}", r.remaining());
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{SizeClass, Version};

    #[test]
    fn records_round_trip() {
        let pos = Position { class: SizeClass::from_index(3), index: 77 };
        let to = Position { class: SizeClass::from_index(3), index: 9 };
        let records = [
            Record::Pending { id: [1; 16], pending: Pending::Data(Version { ver: 2, chain_ver: 3, len: 4, crc: 5, pos }) },
            Record::Pending { id: [2; 16], pending: Pending::Remove { ver: 7, chain_ver: 1 } },
            Record::Commit { id: [3; 16], ver: 9, chain_ver: 4 },
            Record::Delete { id: [4; 16] },
            Record::Move { id: [5; 16], from: pos, to },
        ];
        for record in records {
            let mut bytes = Vec::new();
            record.encode(&mut bytes);
            assert_eq!(Record::decode(&bytes).unwrap(), record);
        }
        assert!(Record::decode(&[99; 17]).is_err());
    }
}
