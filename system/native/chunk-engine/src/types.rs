//! Core value types: chunk ids, size classes, slot positions and chunk versions.
use std::fmt::Write as _;

use crate::errors::{Code, EngineError, Result};

pub const ID_BYTES: usize = 16;
/// 16 bytes, compared as bytes: 3FS lays ids out big-endian so byte order is file order.
pub type ChunkId = [u8; ID_BYTES];

pub const MIN_CLASS_LOG2: u32 = 16; // 64 KiB
pub const MAX_CLASS_LOG2: u32 = 26; // 64 MiB
pub const CLASS_COUNT: usize = (MAX_CLASS_LOG2 - MIN_CLASS_LOG2 + 1) as usize;
pub const MAX_CHUNK_BYTES: u64 = 1 << MAX_CLASS_LOG2;
pub const SLOTS_PER_GROUP: u64 = 256;
/// Direct I/O unit: buffers, offsets and lengths are multiples of it.
pub const BLOCK_BYTES: u64 = 4096;

pub fn parse_id(bytes: &[u8]) -> Result<ChunkId> {
    bytes.try_into().map_err(|_| {
        EngineError::new(Code::InvalidId, format!("chunk id must be {ID_BYTES} bytes, got {}", bytes.len()))
    })
}

pub fn id_hex(id: &ChunkId) -> String {
    id.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub fn round_up_block(bytes: u64) -> u64 {
    bytes.div_ceil(BLOCK_BYTES) * BLOCK_BYTES
}

pub fn round_down_block(bytes: u64) -> u64 {
    bytes / BLOCK_BYTES * BLOCK_BYTES
}

/// A power-of-two slot size from 64 KiB (index 0) to 64 MiB (index 10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SizeClass(u8);

impl SizeClass {
    pub fn from_index(index: usize) -> SizeClass {
        assert!(index < CLASS_COUNT, "size class index {index} out of range");
        SizeClass(index as u8)
    }

    /// The class of a chunk whose size never exceeds `max_bytes`: the next power of two, clamped.
    pub fn for_max_size(max_bytes: u64) -> Result<SizeClass> {
        if max_bytes == 0 || max_bytes > MAX_CHUNK_BYTES {
            fail!(Code::TooLarge, "chunk size {max_bytes} bytes outside 1..={MAX_CHUNK_BYTES}");
        }
        let log2 = max_bytes.next_power_of_two().trailing_zeros().max(MIN_CLASS_LOG2);
        Ok(SizeClass((log2 - MIN_CLASS_LOG2) as u8))
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub fn slot_bytes(self) -> u64 {
        1 << (MIN_CLASS_LOG2 + self.0 as u32)
    }

    pub fn group_bytes(self) -> u64 {
        self.slot_bytes() * SLOTS_PER_GROUP
    }
}

/// A slot: size class plus slot index in that class's file (group = index / 256).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    pub class: SizeClass,
    pub index: u64,
}

impl Position {
    const INDEX_BITS: u32 = 56;

    pub fn offset_bytes(self) -> u64 {
        self.index * self.class.slot_bytes()
    }

    pub fn group(self) -> u64 {
        self.index / SLOTS_PER_GROUP
    }

    pub fn encode(self) -> u64 {
        debug_assert!(self.index < 1 << Self::INDEX_BITS);
        ((self.class.0 as u64) << Self::INDEX_BITS) | self.index
    }

    pub fn decode(raw: u64) -> Result<Position> {
        let class = (raw >> Self::INDEX_BITS) as usize;
        if class >= CLASS_COUNT {
            fail!(Code::MetadataCorrupt, "position {raw:#x} names size class {class}");
        }
        Ok(Position { class: SizeClass(class as u8), index: raw & ((1 << Self::INDEX_BITS) - 1) })
    }
}

/// One stored version of a chunk: where its bytes are and what they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub ver: u32,
    pub chain_ver: u32,
    pub len: u32,
    pub crc: u32,
    pub pos: Position,
}

/// The at most one not-yet-committed version of a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    Data(Version),
    /// A remove waiting for its commit: the chunk disappears when it commits.
    Remove { ver: u32, chain_ver: u32 },
}

impl Pending {
    pub fn ver(&self) -> u32 {
        match self {
            Pending::Data(v) => v.ver,
            Pending::Remove { ver, .. } => *ver,
        }
    }

    pub fn pos(&self) -> Option<Position> {
        match self {
            Pending::Data(v) => Some(v.pos),
            Pending::Remove { .. } => None,
        }
    }
}

/// What the engine knows durably about one chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub committed: Option<Version>,
    pub pending: Option<Pending>,
}

impl Entry {
    pub fn commit_ver(&self) -> u32 {
        self.committed.map_or(0, |v| v.ver)
    }

    /// Slots this entry holds; an in-place pending shares its slot with the committed version.
    pub fn positions(&self) -> impl Iterator<Item = Position> {
        let committed = self.committed.map(|v| v.pos);
        let pending = self.pending.and_then(|p| p.pos()).filter(|p| Some(*p) != committed);
        committed.into_iter().chain(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_class_selection() {
        assert_eq!(SizeClass::for_max_size(1).unwrap().slot_bytes(), 64 << 10);
        assert_eq!(SizeClass::for_max_size(64 << 10).unwrap().slot_bytes(), 64 << 10);
        assert_eq!(SizeClass::for_max_size((64 << 10) + 1).unwrap().slot_bytes(), 128 << 10);
        assert_eq!(SizeClass::for_max_size(4 << 20).unwrap().slot_bytes(), 4 << 20);
        assert_eq!(SizeClass::for_max_size(64 << 20).unwrap().index(), CLASS_COUNT - 1);
        assert_eq!(SizeClass::for_max_size((64 << 20) + 1).unwrap_err().code, Code::TooLarge);
        assert_eq!(SizeClass::for_max_size(0).unwrap_err().code, Code::TooLarge);
    }

    #[test]
    fn position_round_trip() {
        let pos = Position { class: SizeClass::from_index(6), index: 1234567 };
        assert_eq!(Position::decode(pos.encode()).unwrap(), pos);
        assert_eq!(pos.offset_bytes(), 1234567 * (4 << 20));
        assert_eq!(pos.group(), 1234567 / 256);
    }

    #[test]
    fn ids() {
        assert!(parse_id(&[0u8; 15]).is_err());
        assert_eq!(parse_id(&[7u8; 16]).unwrap(), [7u8; 16]);
        assert_eq!(id_hex(&[0xab; 16]).len(), 32);
    }
}
