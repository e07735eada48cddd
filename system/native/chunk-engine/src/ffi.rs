//! The C ABI. Conventions:
//! - Every function returns 0 or a wire error code (errors.rs) and never unwinds: panics become
//!   ASSERTION (2). Failures write a UTF-8 detail (NUL-terminated, truncated) into `err`/`err_cap`.
//! - Engines are numeric handles in a registry, so a stale handle gets CLOSED instead of a dangling
//!   pointer.
//! - Submit functions (fce_read, fce_read_mapped, fce_update, fce_commit, fce_remove_range, fce_compact) validate and
//!   return at once; a 0 return means exactly one completion with the same tag will be harvestable
//!   later (fce_harvest), signalled on the eventfd from fce_event_fd. Buffers passed to them (payload,
//!   read destination) must stay alive and untouched until that completion. Reads are queued on an
//!   io_uring and submitted by fce_flush (call it once per event-loop turn) or fce_harvest.
//! - All calls are cheap and non-blocking except fce_open and fce_close, so JavaScript calls them
//!   synchronously (about 50 ns of koffi overhead) rather than through koffi's async calls.
// Safety contracts of the extern functions are the module-level conventions above, not repeated per function.
#![allow(clippy::missing_safety_doc)]

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::crc32c;
use crate::engine::read::ReadTarget;
use crate::engine::{Engine, Options, UpdateData, UpdateRequest};
use crate::errors::{Code, EngineError, Result};
use crate::ffi_types::{CHECKSUM_VERIFIED, FceLocation, FceMapped, FceMeta, FceOptions, FceSpace, FceUpdate};
use crate::io::completion::{self, Completion};
use crate::store::versioning::UpdateKind;
use crate::types::{ChunkId, parse_id};

/// 2: fce_read_mapped, FceOptions::mapped_reads, FceMapped (layout kind 6).
pub const ABI_VERSION: u32 = 2;

fn registry() -> &'static Mutex<HashMap<u64, Arc<Engine>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<u64, Arc<Engine>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

fn engine(handle: u64) -> Result<Arc<Engine>> {
    match registry().lock().expect("registry lock").get(&handle) {
        Some(e) => Ok(e.clone()),
        None => fail!(Code::Closed, "no open engine with handle {handle}"),
    }
}

fn write_err(err: *mut u8, err_cap: u32, message: &str) {
    if err.is_null() || err_cap == 0 {
        return;
    }
    let bytes = completion::truncate_utf8(message, err_cap as usize - 1);
    // SAFETY: the caller passes a writable buffer of err_cap bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), err, bytes.len());
        *err.add(bytes.len()) = 0;
    }
}

/// Runs `f`, mapping errors and panics to codes plus a detail message.
fn guarded(err: *mut u8, err_cap: u32, f: impl FnOnce() -> Result<()>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            write_err(err, err_cap, &e.detail);
            e.code.wire()
        }
        Err(panic) => {
            let message = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()).unwrap_or("panic");
            write_err(err, err_cap, &format!("chunk engine panicked: {message}"));
            Code::Assertion.wire()
        }
    }
}

/// SAFETY: `ptr` must point at `len` readable bytes (or be anything when len is 0).
unsafe fn slice<'a>(ptr: *const u8, len: u64) -> &'a [u8] {
    if len == 0 || ptr.is_null() { &[] } else { unsafe { std::slice::from_raw_parts(ptr, len as usize) } }
}

unsafe fn id_arg(ptr: *const u8, len: u32) -> Result<ChunkId> {
    parse_id(unsafe { slice(ptr, len as u64) })
}

unsafe fn out<T>(ptr: *mut u8, value: T) -> Result<()> {
    if ptr.is_null() {
        fail!(Code::InvalidArgument, "null output pointer");
    }
    // SAFETY: the caller passes a buffer of at least size_of::<T>() bytes; it may be unaligned.
    unsafe { std::ptr::write_unaligned(ptr as *mut T, value) };
    Ok(())
}

#[unsafe(no_mangle)]
pub extern "C" fn fce_abi_version() -> u32 {
    ABI_VERSION
}

/// Sizes of the shared structs, so the TypeScript layout can be checked at load time.
#[unsafe(no_mangle)]
pub extern "C" fn fce_layout(kind: u32) -> u32 {
    (match kind {
        0 => size_of::<FceOptions>(),
        1 => size_of::<FceMeta>(),
        2 => size_of::<Completion>(),
        3 => size_of::<FceUpdate>(),
        4 => size_of::<FceSpace>(),
        5 => size_of::<FceLocation>(),
        6 => size_of::<FceMapped>(),
        _ => 0,
    }) as u32
}

#[unsafe(no_mangle)]
pub extern "C" fn fce_event_fd() -> i32 {
    catch_unwind(completion::event_fd).unwrap_or(-1)
}

/// Copies up to `max` completions (192 bytes each) into `out`; returns how many.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_harvest(out: *mut u8, max: u32) -> u32 {
    if out.is_null() || max == 0 {
        return 0;
    }
    // SAFETY: the caller passes room for `max` completions (plain data, written unaligned).
    catch_unwind(AssertUnwindSafe(|| unsafe { completion::harvest_into(out, max as usize) })).unwrap_or(0) as u32
}

/// Submits the I/O that submit calls queued since the last flush (one io_uring_enter for all of them).
#[unsafe(no_mangle)]
pub extern "C" fn fce_flush() {
    let _ = catch_unwind(crate::io::ring_io::flush);
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_open(path: *const u8, path_len: u32, options: *const u8, out_handle: *mut u8, err: *mut u8, err_cap: u32) -> i32 {
    static NEXT_HANDLE: Mutex<u64> = Mutex::new(1);
    guarded(err, err_cap, || {
        let path = std::str::from_utf8(unsafe { slice(path, path_len as u64) })
            .map_err(|_| EngineError::new(Code::InvalidArgument, "path is not UTF-8"))?;
        if options.is_null() {
            fail!(Code::InvalidArgument, "null options");
        }
        let raw = unsafe { std::ptr::read_unaligned(options as *const FceOptions) };
        let engine = Engine::open(PathBuf::from(path), Options::from_ffi(&raw)?)?;
        let handle = {
            let mut next = NEXT_HANDLE.lock().expect("handle lock");
            *next += 1;
            *next - 1
        };
        registry().lock().expect("registry lock").insert(handle, engine);
        unsafe { out(out_handle, handle) }
    })
}

/// Waits for in-flight operations, flushes the log, writes a checkpoint and releases the directory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_close(handle: u64, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let engine = registry().lock().expect("registry lock").remove(&handle);
        match engine {
            Some(engine) => engine.close(),
            None => fail!(Code::Closed, "no open engine with handle {handle}"),
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_read(handle: u64, tag: u64, id: *const u8, id_len: u32, offset_bytes: u64, len_bytes: u64, dst: *mut u8, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let id = unsafe { id_arg(id, id_len)? };
        if dst.is_null() && len_bytes > 0 {
            fail!(Code::InvalidArgument, "null read destination");
        }
        engine(handle)?.submit_read(tag, id, offset_bytes, ReadTarget { ptr: dst, len: len_bytes as usize })
    })
}

/// A mapped (zero-copy) read, for engines opened buffered with mapped_reads on: writes the bytes'
/// address, a pin token and the group mapping into `mapped_out` (32 bytes, FceMapped) and returns; the completion (same
/// codes and meta as fce_read) says when the bytes are verified and readable. After a successful
/// completion the bytes stay valid and unchanged until fce_unpin(pin_token); a failed one needs no unpin.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_read_mapped(handle: u64, tag: u64, id: *const u8, id_len: u32, offset_bytes: u64, len_bytes: u64, mapped_out: *mut u8, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let id = unsafe { id_arg(id, id_len)? };
        if mapped_out.is_null() {
            fail!(Code::InvalidArgument, "null mapped read output");
        }
        let read = engine(handle)?.submit_mapped_read(tag, id, offset_bytes, len_bytes)?;
        unsafe { out(mapped_out, FceMapped { address: read.address as u64, pin_token: read.pin_token, region_address: read.region as u64, region_bytes: read.region_bytes }) }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_update(handle: u64, tag: u64, request: *const u8, data: *const u8, data_len: u64, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        if request.is_null() || (data.is_null() && data_len > 0) {
            fail!(Code::InvalidArgument, "null update request or payload");
        }
        let r = unsafe { std::ptr::read_unaligned(request as *const FceUpdate) };
        let kind = match r.kind {
            0 => UpdateKind::Write,
            1 => UpdateKind::Replace,
            2 => UpdateKind::Truncate,
            3 => UpdateKind::Remove,
            k => fail!(Code::InvalidArgument, "unknown update kind {k}"),
        };
        let request = UpdateRequest {
            id: r.id,
            kind,
            offset_bytes: r.offset_bytes,
            length_bytes: r.length_bytes,
            update_ver: r.update_ver,
            chain_ver: r.chain_ver,
            chunk_size_bytes: r.chunk_size_bytes,
            checksum: (r.has_checksum != 0).then_some(r.checksum),
            checksum_verified: r.has_checksum == CHECKSUM_VERIFIED,
            data: if data_len == 0 { UpdateData::EMPTY } else { UpdateData { ptr: data, len: data_len as usize } },
        };
        engine(handle)?.submit_update(tag, request)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_commit(handle: u64, tag: u64, id: *const u8, id_len: u32, update_ver: u32, chain_ver: u32, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let id = unsafe { id_arg(id, id_len)? };
        engine(handle)?.submit_commit(tag, id, update_ver, chain_ver)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_remove_range(handle: u64, tag: u64, begin: *const u8, begin_len: u32, end: *const u8, end_len: u32, limit: u32, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let (begin, end) = unsafe { (id_arg(begin, begin_len)?, id_arg(end, end_len)?) };
        engine(handle)?.submit_remove_range(tag, begin, end, limit as usize)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_compact(handle: u64, tag: u64, max_moves: u32, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || engine(handle)?.submit_compact(tag, max_moves as usize))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_meta(handle: u64, id: *const u8, id_len: u32, meta_out: *mut u8, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let id = unsafe { id_arg(id, id_len)? };
        let meta = engine(handle)?.meta(&id)?;
        unsafe { out(meta_out, meta) }
    })
}

/// Writes up to min(limit, out_cap) metas (40 bytes each) into `metas_out` and the count into `count_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_list(handle: u64, begin: *const u8, begin_len: u32, end: *const u8, end_len: u32, limit: u32, metas_out: *mut u8, out_cap: u32, count_out: *mut u8, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let (begin, end) = unsafe { (id_arg(begin, begin_len)?, id_arg(end, end_len)?) };
        let metas = engine(handle)?.list(&begin, &end, limit.min(out_cap) as usize)?;
        for (i, meta) in metas.iter().enumerate() {
            unsafe { out(metas_out.add(i * size_of::<FceMeta>()), *meta)? };
        }
        unsafe { out(count_out, metas.len() as u32) }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_last(handle: u64, begin: *const u8, begin_len: u32, end: *const u8, end_len: u32, meta_out: *mut u8, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let (begin, end) = unsafe { (id_arg(begin, begin_len)?, id_arg(end, end_len)?) };
        let meta = engine(handle)?.last(&begin, &end)?;
        unsafe { out(meta_out, meta) }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_space(handle: u64, space_out: *mut u8, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let space = engine(handle)?.space()?;
        unsafe { out(space_out, space) }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_locate(handle: u64, id: *const u8, id_len: u32, location_out: *mut u8, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || {
        let id = unsafe { id_arg(id, id_len)? };
        let location = engine(handle)?.locate(&id)?;
        unsafe { out(location_out, location) }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_unpin(handle: u64, pin_token: u64, err: *mut u8, err_cap: u32) -> i32 {
    guarded(err, err_cap, || engine(handle)?.unpin(pin_token))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn fce_crc32c(initial: u32, data: *const u8, len: u64) -> u32 {
    crc32c::extend(initial, unsafe { slice(data, len) })
}
