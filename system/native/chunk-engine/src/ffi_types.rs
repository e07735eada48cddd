//! Structs shared with TypeScript. The TS side reads and writes them with DataView at fixed offsets
//! (system/real/chunk-engine/layout.ts), and checks `fce_layout` sizes at load time.
use crate::types::{ChunkId, Entry, Pending};

pub const META_HAS_COMMITTED: u32 = 1;
pub const META_HAS_PENDING: u32 = 2;
pub const META_PENDING_REMOVE: u32 = 4;
/// Set on a commit completion whose commit removed the chunk.
pub const META_REMOVED: u32 = 8;

/// 40 bytes.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct FceMeta {
    pub id: ChunkId,
    pub length_bytes: u32,
    pub commit_ver: u32,
    pub update_ver: u32,
    pub chain_ver: u32,
    pub crc32c: u32,
    pub flags: u32,
}

impl FceMeta {
    pub fn of(id: &ChunkId, entry: &Entry) -> FceMeta {
        let committed = entry.committed;
        let commit_ver = committed.map_or(0, |c| c.ver);
        let (update_ver, pending_chain, pending_flags) = match entry.pending {
            Some(Pending::Data(v)) => (v.ver, v.chain_ver, META_HAS_PENDING),
            Some(Pending::Remove { ver, chain_ver }) => (ver, chain_ver, META_HAS_PENDING | META_PENDING_REMOVE),
            None => (commit_ver, 0, 0),
        };
        FceMeta {
            id: *id,
            length_bytes: committed.map_or(0, |c| c.len),
            commit_ver,
            update_ver,
            chain_ver: committed.map_or(pending_chain, |c| c.chain_ver),
            crc32c: committed.map_or(0, |c| c.crc),
            flags: committed.map_or(0, |_| META_HAS_COMMITTED) | pending_flags,
        }
    }

    pub fn removed(id: &ChunkId, ver: u32, chain_ver: u32) -> FceMeta {
        FceMeta { id: *id, commit_ver: ver, update_ver: ver, chain_ver, flags: META_REMOVED, ..FceMeta::default() }
    }
}

/// 64 bytes. Ratios are fractions of capacity (0.96 = 96 %).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FceOptions {
    /// 0 = the file system's capacity.
    pub capacity_bytes: u64,
    /// Write a checkpoint (and start a new WAL segment) when the segment grows past this.
    pub checkpoint_bytes: u64,
    /// The WAL file is zero-filled this far ahead of its write position.
    pub wal_extend_bytes: u64,
    /// fallocate this much at a time when a slot without reserved space is allocated.
    pub reserve_bytes: u64,
    pub low_space_ratio: f64,
    pub reject_create_ratio: f64,
    pub io_threads: u32,
    pub direct_io: u8,
    /// 0 = never, 1 = reads covering the whole chunk, 2 = always (partial reads read the whole chunk).
    pub verify_reads: u8,
    pub read_only: u8,
    pub create: u8,
    /// fdatasync data files before logging the versions that point at them (power-loss safety).
    pub sync_data: u8,
    /// 0 = io_uring when the kernel allows it, 1 = blocking I/O on the thread pool.
    pub io_backend: u8,
    /// 1 = fce_read_mapped serves reads from a mapping of the data files (buffered engines only; O_DIRECT
    /// engines ignore it and refuse mapped reads); 0 = off.
    pub mapped_reads: u8,
    pub pad: [u8; 5],
}

/// 64 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FceUpdate {
    pub id: ChunkId,
    /// 0 write, 1 replace, 2 truncate, 3 remove.
    pub kind: u32,
    pub update_ver: u32,
    pub chain_ver: u32,
    /// 1 when `checksum` holds the payload's CRC32C to verify; CHECKSUM_VERIFIED when the caller has
    /// verified it over these very bytes already (it is then used as is, not recomputed).
    pub has_checksum: u32,
    pub offset_bytes: u64,
    /// Truncate: the new length.
    pub length_bytes: u64,
    pub chunk_size_bytes: u64,
    pub checksum: u32,
    pub pad: u32,
}

/// FceUpdate::has_checksum: the checksum was verified by the caller.
pub const CHECKSUM_VERIFIED: u32 = 2;

/// 160 bytes: engine space and consistency counters.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FceSpace {
    pub capacity_bytes: u64,
    pub used_bytes: u64,
    pub free_bytes: u64,
    /// Bytes fallocated for slots (used or free-but-reserved).
    pub reserved_bytes: u64,
    /// Slot bytes of used slots.
    pub used_slot_bytes: u64,
    /// Sum of committed chunk lengths.
    pub data_bytes: u64,
    pub chunk_count: u64,
    pub used_slots: u64,
    /// Distinct slots the chunk table references (equals used_slots when no operation is in flight).
    pub referenced_slots: u64,
    pub pinned_slots: u64,
    pub pending_versions: u64,
    pub inflight_ops: u64,
    pub group_count: u64,
    pub punch_failures: u64,
    pub checkpoints: u64,
    pub wal_bytes: u64,
    pub io_threads: u64,
    pub flags: u64,
    pub pad: [u64; 2],
}

pub const SPACE_LOW: u64 = 1;
pub const SPACE_DIRECT_IO: u64 = 2;
pub const SPACE_HW_CRC: u64 = 4;
pub const SPACE_FAILED: u64 = 8;
pub const SPACE_READ_ONLY: u64 = 16;
pub const SPACE_IO_URING: u64 = 32;
/// fce_read_mapped is available (a buffered engine with mapped reads on).
pub const SPACE_MAPPED_READS: u64 = 64;

/// 40 bytes: where a committed chunk's bytes are, for callers that do their own I/O.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FceLocation {
    pub fd: u64,
    pub offset_bytes: u64,
    pub length_bytes: u64,
    pub crc32c: u64,
    /// Pass to fce_unpin when done: the slot stays allocated to this version until then.
    pub pin_token: u64,
}

/// 32 bytes: the result of fce_read_mapped's submission.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FceMapped {
    /// Address of the requested bytes inside the engine's read-only mapping of the data file. Readable
    /// once the read's completion reports success, until `pin_token` is unpinned.
    pub address: u64,
    /// Pass to fce_unpin once nothing reads the bytes any more (only after a successful completion: a
    /// failed mapped read unpins itself).
    pub pin_token: u64,
    /// The mapping of the slot's whole group (256 slots): its address and mapped length, which covers
    /// `address`'s range. The address is stable while the engine is open and the mapped length only
    /// grows, so a caller can wrap a group once (one ArrayBuffer) for all reads in it. Read-only memory,
    /// and bytes outside pinned slots may change or read as zeros at any time.
    pub region_address: u64,
    pub region_bytes: u64,
}
