//! Pending versions. Planning (validation, version rules, slot choice) runs under the state lock on the
//! caller's thread; the data I/O, and the fallocate a new slot may need, run on the pool; the pending
//! record then goes through group commit.
//!
//! Layouts, as in 3FS's engine:
//! - copy-on-write into a new slot when the write overwrites committed bytes or outgrows the slot: the
//!   committed copy stays intact and readable until the commit swaps the pointer;
//! - in-place append when the write starts at or past the committed length and fits the slot: only
//!   bytes past the committed length change (the tail 4 KiB block is rewritten with identical bytes
//!   below it), so readers of the committed version are unaffected and the checksum is extended
//!   (copy-on-write instead when a pinned reader may still look past the committed length, i.e. holds
//!   an older, longer version of the slot from before a shrink);
//! - shrink: same slot, shorter length, checksum recomputed over the kept prefix.
use std::sync::Arc;

use super::committer::WalItem;
use super::{Engine, InflightGuard, State, op};
use crate::alloc::class_allocator::SlotRun;
use crate::crc32c;
use crate::errors::{Code, EngineError, Result};
use crate::io::aligned::AlignedBuf;
use crate::io::data_files::DataFiles;
use crate::io::pool;
use crate::store::record::Record;
use crate::store::versioning::{UpdateKind, update_version};
use crate::types::{BLOCK_BYTES, ChunkId, Pending, Position, SizeClass, Version, id_hex, round_down_block, round_up_block};

/// Caller-owned payload bytes. The TypeScript wrapper keeps the buffer referenced until the
/// operation's completion, so the pointer stays valid on the pool thread.
#[derive(Clone, Copy)]
pub struct UpdateData {
    pub ptr: *const u8,
    pub len: usize,
}

// SAFETY: the bytes are only read, and the owner keeps them alive and unmodified until completion.
unsafe impl Send for UpdateData {}

impl UpdateData {
    pub const EMPTY: UpdateData = UpdateData { ptr: std::ptr::null(), len: 0 };

    fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: see the type's contract.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

pub struct UpdateRequest {
    pub id: ChunkId,
    pub kind: UpdateKind,
    pub offset_bytes: u64,
    /// Truncate: the new length.
    pub length_bytes: u64,
    pub update_ver: u32,
    pub chain_ver: u32,
    pub chunk_size_bytes: u64,
    pub checksum: Option<u32>,
    /// `checksum` was computed over these very bytes by the caller (a transport that checksummed them
    /// as they arrived): the engine takes it as the payload's CRC32C instead of reading the payload again.
    pub checksum_verified: bool,
    pub data: UpdateData,
}

#[derive(Clone, Copy, Debug)]
enum Layout {
    Remove,
    Fresh,
    CopyOnWrite { src: Version },
    InPlace { base: Version },
    Shrink { base: Version },
}

struct Plan {
    tag: u64,
    id: ChunkId,
    ver: u32,
    chain_ver: u32,
    layout: Layout,
    /// The slot the new version lives in (None for a remove).
    pos: Option<Position>,
    /// `pos` was allocated for this update and must be freed if it fails.
    new_slot: bool,
    /// Slots (from `pos` on) to fallocate before writing, left by planning to the pool job.
    reserve: Option<SlotRun>,
    new_len: u64,
    overlay_offset: u64,
    data: UpdateData,
    checksum: Option<u32>,
    checksum_verified: bool,
    pinned: Option<Position>,
}

impl Plan {
    /// The payload's CRC32C when the caller has verified it already.
    fn verified_checksum(&self) -> Option<u32> {
        if self.checksum_verified { self.checksum } else { None }
    }

    /// The payload's CRC32C: the verified one, or computed from `payload` (its bytes as placed).
    fn payload_crc(&self, payload: &[u8]) -> u32 {
        self.verified_checksum().unwrap_or_else(|| crc32c::crc32c(payload))
    }
}

fn validate(req: &UpdateRequest) -> Result<()> {
    if req.chunk_size_bytes == 0 {
        fail!(Code::InvalidArgument, "chunk size must be positive");
    }
    SizeClass::for_max_size(req.chunk_size_bytes)?;
    let data_len = req.data.len as u64;
    match req.kind {
        UpdateKind::Write => {
            let end = req.offset_bytes.saturating_add(data_len);
            if end > req.chunk_size_bytes {
                fail!(Code::TooLarge, "write [{}, {end}) exceeds the chunk size {}", req.offset_bytes, req.chunk_size_bytes);
            }
        }
        UpdateKind::Replace => {
            if req.offset_bytes != 0 {
                fail!(Code::InvalidArgument, "replace must start at offset 0");
            }
            if data_len > req.chunk_size_bytes {
                fail!(Code::TooLarge, "replace of {data_len} bytes exceeds the chunk size {}", req.chunk_size_bytes);
            }
        }
        UpdateKind::Truncate => {
            if req.length_bytes > req.chunk_size_bytes {
                fail!(Code::TooLarge, "truncate to {} bytes exceeds the chunk size {}", req.length_bytes, req.chunk_size_bytes);
            }
            if data_len != 0 {
                fail!(Code::InvalidArgument, "truncate takes no payload");
            }
        }
        UpdateKind::Remove => {}
    }
    Ok(())
}

fn choose_layout(req: &UpdateRequest, committed: Option<Version>) -> (Layout, u64) {
    match (req.kind, committed) {
        (UpdateKind::Remove, _) => (Layout::Remove, 0),
        (UpdateKind::Replace, _) => (Layout::Fresh, req.data.len as u64),
        (UpdateKind::Write, None) => (Layout::Fresh, req.offset_bytes + req.data.len as u64),
        (UpdateKind::Write, Some(c)) => {
            let new_len = (c.len as u64).max(req.offset_bytes + req.data.len as u64);
            if req.offset_bytes >= c.len as u64 && new_len <= c.pos.class.slot_bytes() {
                (Layout::InPlace { base: c }, new_len)
            } else {
                (Layout::CopyOnWrite { src: c }, new_len)
            }
        }
        (UpdateKind::Truncate, None) => (Layout::Fresh, req.length_bytes),
        (UpdateKind::Truncate, Some(c)) if req.length_bytes <= c.len as u64 => (Layout::Shrink { base: c }, req.length_bytes),
        (UpdateKind::Truncate, Some(c)) if req.length_bytes <= c.pos.class.slot_bytes() => (Layout::InPlace { base: c }, req.length_bytes),
        (UpdateKind::Truncate, Some(c)) => (Layout::CopyOnWrite { src: c }, req.length_bytes),
    }
}

impl Engine {
    pub fn submit_update(self: &Arc<Engine>, tag: u64, req: UpdateRequest) -> Result<()> {
        let guard = self.admit(true)?;
        validate(&req)?;
        let plan = {
            let mut state = self.lock_state();
            if state.busy.contains(&req.id) {
                fail!(Code::Busy, "chunk {} has another operation in flight", id_hex(&req.id));
            }
            let entry = state.table.get(&req.id).copied();
            let ver = update_version(entry.as_ref(), req.kind, req.update_ver, req.chain_ver)?;
            if entry.is_none() {
                state.check_create_allowed(&self.options, &self.dir)?;
            }
            let (layout, new_len) = choose_layout(&req, entry.and_then(|e| e.committed));
            // An in-place append writes past the committed length. A pinned reader (a mapped read's view
            // lives until its reply is sent) may hold a longer version of this very slot, from before a
            // shrink: those bytes are still its, so copy on write instead.
            let layout = match layout {
                Layout::InPlace { base } if state.pinned_extent(base.pos) > base.len as u64 => Layout::CopyOnWrite { src: base },
                layout => layout,
            };
            let (pos, new_slot, reserve) = match layout {
                Layout::Remove => (None, false, None),
                Layout::InPlace { base } | Layout::Shrink { base } => (Some(base.pos), false, None),
                Layout::Fresh | Layout::CopyOnWrite { .. } => {
                    let class = SizeClass::for_max_size(req.chunk_size_bytes.max(new_len))?;
                    let (pos, reserve) = state.allocate_deferring(&self.files, &self.options, class)?;
                    (Some(pos), true, reserve)
                }
            };
            let pinned = match layout {
                Layout::CopyOnWrite { src } => Some(src),
                Layout::Shrink { base } => Some(base),
                Layout::InPlace { base } if !(base.len as u64).is_multiple_of(BLOCK_BYTES) => Some(base),
                _ => None,
            };
            if let Some(v) = pinned {
                state.pin(v.pos, v.len as u64);
            }
            let pinned = pinned.map(|v| v.pos);
            state.busy.insert(req.id);
            let overlay_offset = if req.kind == UpdateKind::Truncate { new_len } else { req.offset_bytes };
            Plan { tag, id: req.id, ver, chain_ver: req.chain_ver, layout, pos, new_slot, reserve, new_len, overlay_offset, data: req.data, checksum: req.checksum,
                checksum_verified: req.checksum_verified, pinned }
        };
        let engine = self.clone();
        pool::spawn(move || run(engine, plan, guard));
        Ok(())
    }
}

fn run(engine: Arc<Engine>, plan: Plan, guard: InflightGuard) {
    let reserved = match (plan.pos, plan.reserve) {
        (Some(pos), Some(run)) => engine.reserve_deferred(pos, run),
        _ => Ok(()),
    };
    let pending = match plan.layout {
        Layout::Remove => Ok(Pending::Remove { ver: plan.ver, chain_ver: plan.chain_ver }),
        _ => reserved.and_then(|()| write_version(&engine.files, &plan).map(Pending::Data)),
    };
    let pending = match pending {
        Ok(p) => p,
        Err(e) => {
            let mut state = engine.lock_state();
            finish(&mut state, &engine.files, &plan, Err(e));
            drop(guard);
            return;
        }
    };
    let record = Record::Pending { id: plan.id, pending };
    engine.committer.submit(WalItem {
        records: vec![record],
        then: Box::new(move |state, files, result| {
            finish(state, files, &plan, result);
            drop(guard);
        }),
    });
}

/// Releases what the plan held and posts its completion.
fn finish(state: &mut State, files: &DataFiles, plan: &Plan, result: Result<()>) {
    if let Some(p) = plan.pinned {
        state.unpin(files, p);
    }
    state.busy.remove(&plan.id);
    match result {
        Ok(()) => {
            let meta = state.meta(&plan.id).expect("chunk with a durable pending version is in the table");
            Engine::post_ok(plan.tag, op::UPDATE, meta, 0);
        }
        Err(e) => {
            if let (true, Some(pos)) = (plan.new_slot, plan.pos) {
                state.release(files, pos);
            }
            Engine::post_err(plan.tag, op::UPDATE, &e);
        }
    }
}

fn checksum_error(id: &ChunkId, v: &Version, actual: u32) -> EngineError {
    EngineError::new(Code::ChecksumMismatch, format!(
        "chunk {} version {} at slot {:?}: stored crc32c {:#010x}, data on disk has {actual:#010x}", id_hex(id), v.ver, v.pos, v.crc))
}

/// Copies the payload into `buf` at `at`.
fn copy_payload(plan: &Plan, buf: &mut [u8], at: usize) {
    let data = plan.data.bytes();
    buf[at..at + data.len()].copy_from_slice(data);
}

/// Checks the payload's CRC32C against the one the caller sent with it (if any).
fn check_payload(plan: &Plan, payload_crc: u32) -> Result<()> {
    match plan.checksum {
        Some(expected) if expected != payload_crc => {
            fail!(Code::PayloadChecksum, "payload crc32c {payload_crc:#010x} != {expected:#010x} given for chunk {}", id_hex(&plan.id))
        }
        _ => Ok(()),
    }
}

/// Bytes that stay valid and unchanged until the write that uses them returns.
#[derive(Clone, Copy)]
struct RawBytes {
    ptr: *const u8,
    len: usize,
}

// SAFETY: only read, while the owner keeps them alive (write_with_crc always joins before returning).
unsafe impl Send for RawBytes {}

impl RawBytes {
    fn get(&self) -> &[u8] {
        // SAFETY: see the type.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// Checksums at least this long run on the CPU pool while the write is in flight.
const PARALLEL_CRC_MIN_BYTES: usize = 256 << 10;

/// Writes `bytes` at `offset_in_slot` while the CPU pool computes the CRC32C of `crc_of`, so a large
/// chunk's checksum costs no time as long as the disk is slower than the CPU (serially it cost about
/// a third of a 4 MiB write here). Waits for the checksum even when the write fails: it reads memory
/// the caller may release once we return. `known`: that CRC32C, verified already; nothing is computed.
fn write_with_crc(files: &DataFiles, pos: Position, offset_in_slot: u64, bytes: &[u8], crc_of: &[u8], known: Option<u32>) -> Result<u32> {
    if let Some(crc) = known {
        return if bytes.is_empty() { Ok(crc) } else { files.write_at(pos, offset_in_slot, bytes).map(|()| crc) };
    }
    let raw = RawBytes { ptr: crc_of.as_ptr(), len: crc_of.len() };
    let pending = (crc_of.len() >= PARALLEL_CRC_MIN_BYTES).then(|| pool::spawn_cpu(move || crc32c::crc32c(raw.get())));
    let written = if bytes.is_empty() { Ok(()) } else { files.write_at(pos, offset_in_slot, bytes) };
    let crc = match pending {
        Some(p) => p.wait(),
        None => crc32c::crc32c(crc_of),
    };
    written.map(|()| crc)
}

/// A fresh version whose payload is the whole chunk and sits 4 KiB aligned in the caller's memory
/// (network buffer pools hand out such buffers): written straight from there, no copy.
fn write_fresh_in_place(files: &DataFiles, plan: &Plan, pos: Position) -> Result<u32> {
    let data = plan.data.bytes();
    let body = round_down_block(data.len() as u64) as usize;
    let crc = write_with_crc(files, pos, 0, &data[..body], data, plan.verified_checksum())?;
    if body < data.len() {
        let mut tail = AlignedBuf::new(BLOCK_BYTES as usize);
        tail[..data.len() - body].copy_from_slice(&data[body..]);
        tail[data.len() - body..].fill(0);
        files.write_at(pos, body as u64, &tail)?;
    }
    check_payload(plan, crc)?;
    Ok(crc)
}

/// Checksum of `base ++ zeros ++ payload ++ zeros` without rereading base.
fn appended_crc(base: &Version, plan: &Plan, payload_crc: u32) -> u32 {
    let data_len = plan.data.len as u64;
    let mut crc = crc32c::extend_zeros(base.crc, plan.overlay_offset - base.len as u64);
    crc = crc32c::combine(crc, payload_crc, data_len);
    crc32c::extend_zeros(crc, plan.new_len - plan.overlay_offset - data_len)
}

fn read_verified(files: &DataFiles, id: &ChunkId, v: &Version, buf: &mut [u8]) -> Result<()> {
    let read_len = round_up_block(v.len as u64) as usize;
    files.read_at(v.pos, 0, &mut buf[..read_len])?;
    let actual = crc32c::crc32c(&buf[..v.len as usize]);
    if actual != v.crc {
        return Err(checksum_error(id, v, actual));
    }
    Ok(())
}

fn write_version(files: &DataFiles, plan: &Plan) -> Result<Version> {
    let pos = plan.pos.expect("data layouts have a slot");
    let new_len = plan.new_len as usize;
    let at = plan.overlay_offset as usize;
    let data_len = plan.data.len;
    let crc = match plan.layout {
        Layout::Fresh => {
            let whole = at == 0 && data_len == new_len && data_len > 0;
            if whole && (plan.data.ptr as u64).is_multiple_of(BLOCK_BYTES) {
                write_fresh_in_place(files, plan, pos)?
            } else {
                let mut buf = AlignedBuf::new(round_up_block(plan.new_len) as usize);
                // Zero only what the payload does not cover (a full 4 MiB memset per write is measurable).
                buf[..at].fill(0);
                buf[at + data_len..].fill(0);
                copy_payload(plan, &mut buf, at);
                let crc = write_with_crc(files, pos, 0, &buf, &buf[..new_len], if whole { plan.verified_checksum() } else { None })?;
                check_payload(plan, if whole { crc } else { plan.payload_crc(&buf[at..at + data_len]) })?;
                crc
            }
        }
        Layout::CopyOnWrite { src } => {
            assert!(new_len >= src.len as usize, "copy-on-write never shrinks");
            let mut buf = AlignedBuf::new(round_up_block(plan.new_len) as usize);
            read_verified(files, &plan.id, &src, &mut buf)?;
            buf[src.len as usize..].fill(0);
            copy_payload(plan, &mut buf, at);
            if at >= src.len as usize {
                let payload_crc = write_with_crc(files, pos, 0, &buf, &buf[at..at + data_len], plan.verified_checksum())?;
                check_payload(plan, payload_crc)?;
                appended_crc(&src, plan, payload_crc)
            } else {
                let crc = write_with_crc(files, pos, 0, &buf, &buf[..new_len], None)?;
                check_payload(plan, plan.payload_crc(&buf[at..at + data_len]))?;
                crc
            }
        }
        Layout::InPlace { base } => {
            let start = round_down_block(base.len as u64);
            let mut buf = AlignedBuf::new((round_up_block(plan.new_len) - start) as usize);
            let kept = (base.len as u64 - start) as usize;
            if kept > 0 {
                files.read_at(pos, start, &mut buf[..BLOCK_BYTES as usize])?;
            }
            buf[kept..].fill(0);
            let rel = at - start as usize;
            copy_payload(plan, &mut buf, rel);
            let payload_crc = write_with_crc(files, pos, start, &buf, &buf[rel..rel + data_len], plan.verified_checksum())?;
            check_payload(plan, payload_crc)?;
            appended_crc(&base, plan, payload_crc)
        }
        Layout::Shrink { base } => {
            let mut buf = AlignedBuf::new(round_up_block(base.len as u64) as usize);
            read_verified(files, &plan.id, &base, &mut buf)?;
            crc32c::crc32c(&buf[..new_len])
        }
        Layout::Remove => unreachable!("removes carry no data"),
    };
    Ok(Version { ver: plan.ver, chain_ver: plan.chain_ver, len: plan.new_len as u32, crc, pos })
}
